// Read-only view of the project that config resolution and framework detection need.
// An interface so that planning code stays free of fs and unit tests can hand in a plain map.
export interface ProjectFiles {
  isDirectory(relativePath: string): boolean;
  isFile(relativePath: string): boolean;
  readText(relativePath: string): string | undefined;
  /** File names directly inside a folder ([] when it does not exist). */
  list(relativeDirectory: string): string[];
}

/** Whether package.json names the package (as any kind of dependency): how Node presets are detected. */
export function usesNpmPackage(project: ProjectFiles, name: string): boolean {
  const key = new RegExp(`"${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"\\s*:`);
  return key.test(project.readText('package.json') ?? '');
}
