// Read-only view of the project that config resolution and framework detection need.
// An interface so that planning code stays free of fs and unit tests can hand in a plain map.
export interface ProjectFiles {
  isDirectory(relativePath: string): boolean;
  isFile(relativePath: string): boolean;
  readText(relativePath: string): string | undefined;
  /** File names directly inside a folder ([] when it does not exist). */
  list(relativeDirectory: string): string[];
}
