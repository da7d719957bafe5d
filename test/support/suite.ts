// The set-up every integration suite shares: a stand-in API for the whole file, and temp projects
// removed after each test.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { copyProject, type TempProject } from './projects.js';
import { cleanEnv } from './run-bundle.js';
import { startStandinApi } from './standin-api.mjs';

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
