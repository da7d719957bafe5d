// A ProjectFiles over an in-memory map of path -> contents; folders are implied by the paths.
import type { ProjectFiles } from '../../../src/frameworks/shared/project-files.js';

export function memoryProject(files: Record<string, string>): ProjectFiles {
  const paths = Object.keys(files);
  const isDirectory = (dir: string) => dir === '.' || paths.some((file) => file.startsWith(`${dir.replace(/\/$/, '')}/`));
  return {
    isDirectory,
    isFile: (file) => file in files,
    readText: (file) => files[file],
    list: (dir) => {
      const prefix = dir === '.' ? '' : `${dir}/`;
      return [...new Set(paths.filter((file) => file.startsWith(prefix)).map((file) => file.slice(prefix.length).split('/')[0]!))];
    },
  };
}
