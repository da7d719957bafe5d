// ProjectFiles backed by the real folder. Synchronous: config resolution reads a handful of files once.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ProjectFiles } from '../frameworks/shared/project-files.js';

export function openProjectOnDisk(root: string): ProjectFiles | undefined {
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) return undefined;
  const at = (relative: string) => path.resolve(root, relative);
  return {
    isDirectory: (relative) => statSync(at(relative), { throwIfNoEntry: false })?.isDirectory() ?? false,
    isFile: (relative) => statSync(at(relative), { throwIfNoEntry: false })?.isFile() ?? false,
    readText(relative) {
      try {
        return readFileSync(at(relative), 'utf8');
      } catch {
        return undefined;
      }
    },
    list(relative) {
      try {
        return readdirSync(at(relative));
      } catch {
        return [];
      }
    },
  };
}

/**
 * The same view with every answer remembered: planning asks for one conftest.py or helper per
 * test file, and thousands of test files share a handful of them. For one planning pass only.
 */
export function openCachedProject(root: string): ProjectFiles | undefined {
  const project = openProjectOnDisk(root);
  if (!project) return undefined;
  const remember = <T>(read: (relative: string) => T) => {
    const known = new Map<string, T>();
    return (relative: string): T => {
      const key = path.posix.normalize(relative);
      if (!known.has(key)) known.set(key, read(key));
      return known.get(key)!;
    };
  };
  return {
    isDirectory: remember(project.isDirectory),
    isFile: remember(project.isFile),
    readText: remember(project.readText),
    list: remember(project.list),
  };
}
