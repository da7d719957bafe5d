// The set-up every integration suite shares: a stand-in API for the whole file, and temp projects
// removed after each test.
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { copyProject, REPO_ROOT, type TempProject } from './projects.js';
import { cleanEnv } from './run-bundle.js';
import { startStandinApi } from './standin-api.mjs';
import { startStandinGithub } from './standin-github.mjs';
import { git } from './git-repos.js';

export type StandinApi = Awaited<ReturnType<typeof startStandinApi>>;

export function useStandinApi(key: string, generation: string) {
  let api: StandinApi | undefined;
  beforeAll(async () => {
    api = await startStandinApi({ key, generation });
  });
  afterAll(() => api?.close());
  return {
    get api(): StandinApi {
      if (!api) throw new Error('the stand-in API starts in beforeAll');
      return api;
    },
    /** What a test process needs to reach the API with the key, as the tests read them. */
    env(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
      return cleanEnv({ STANDIN_API_URL: this.api.url, STANDIN_API_KEY: key, ...extra });
    },
  };
}

export type StandinGithub = Awaited<ReturnType<typeof startStandinGithub>>;

/** The stand-in GitHub (REST and artifacts) for the whole file, answering to `token`. */
export function useStandinGithub(token: string) {
  let api: StandinGithub | undefined;
  beforeAll(async () => {
    api = await startStandinGithub({ token });
  });
  afterAll(() => api?.close());
  return {
    get api(): StandinGithub {
      if (!api) throw new Error('the stand-in GitHub starts in beforeAll');
      return api;
    },
  };
}

export function useTempProjects() {
  const made: TempProject[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((project) => project.remove()));
  });
  return {
    async copy(source: string): Promise<TempProject> {
      const project = await copyProject(source);
      made.push(project);
      return project;
    },
  };
}

/**
 * A project as a bare repository (`origin`), and a fresh clone of it per job, as each job of a
 * workflow has its own checkout. Everything is removed after each test.
 */
export function useOrigins() {
  const roots: string[] = [];
  afterEach(async () => {
    await Promise.all(roots.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return async function originOf(project: TempProject): Promise<{ origin: string; checkout: () => Promise<string> }> {
    const root = await mkdtemp(path.join(os.tmpdir(), 'rerecord-origin-'));
    roots.push(root);
    const origin = path.join(root, 'origin.git');
    git(root, 'clone', '-q', '--bare', project.dir, origin);
    let jobs = 0;
    return {
      origin,
      checkout: async () => {
        const dir = path.join(root, `job-${++jobs}`);
        git(root, 'clone', '-q', origin, dir);
        await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
        return dir;
      },
    };
  };
}
