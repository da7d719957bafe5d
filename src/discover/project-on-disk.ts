// ProjectFiles backed by the real folder. Synchronous: config resolution reads a handful of files once.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ProjectFiles } from '../frameworks/project-files.js';

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
