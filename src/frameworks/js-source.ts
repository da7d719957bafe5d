// Just enough of a JavaScript reader for settings that live outside the test files: folders
// assigned in helpers (`recordingsDir`, `nock.back.fixtures`), the files to look in.
import path from 'node:path';
import type { ProjectFiles } from './project-files.js';
import { blankComments, blankStrings, callArguments, splitArguments, stringLiteral } from './source-scan.js';

export const SOURCE_FILE = /\.(?:[cm]?js|[cm]?ts|jsx|tsx)$/;

/** The expression starting at `start`, up to a top-level `,` `;` closing bracket, or line end. */
export function expressionAt(code: string, start: number): string {
  let depth = 0;
  let quote: string | null = null;
  let i = start;
  for (; i < code.length; i++) {
    const char = code[i]!;
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = null;
    } else if (char === '"' || char === "'" || char === '`') quote = char;
    else if ('([{'.includes(char)) depth++;
    else if (')]}'.includes(char)) {
      if (depth-- === 0) break;
    } else if (depth === 0 && (char === ',' || char === ';' || (char === '\n' && code.slice(start, i).trim() !== ''))) break;
  }
  return code.slice(start, i).trim();
}

/** A folder relative to the working directory (where Polly resolves relative ones), if the expression is static. */
export function staticDirectory(expression: string, fileDir: string): string | undefined {
  const literal = stringLiteral(expression);
  if (literal !== undefined) return path.posix.normalize(literal.replace(/\/+$/, '')) || undefined;
  const call = /^(?:path\s*\.\s*)?(?:posix\s*\.\s*)?(?:join|resolve)\s*\(/.exec(expression);
  if (!call) return undefined;
  const [base, ...rest] = splitArguments(callArguments(expression, call[0].length - 1));
  const parts = rest.map(stringLiteral);
  if (parts.some((part) => part === undefined || part.startsWith('/'))) return undefined;
  let root: string;
  if (base === '__dirname' || base?.replace(/\s/g, '') === 'import.meta.dirname') root = fileDir;
  else if (base?.replace(/\s/g, '') === 'process.cwd()') root = '.';
  else return undefined;
  return path.posix.normalize(path.posix.join(root, ...(parts as string[])));
}

/** Source files under `dir`, sorted, each folder's own files before its subfolders'; node_modules left out. */
export function sourceFiles(project: ProjectFiles, dir: string, depth = 0): string[] {
  if (depth > 4) return [];
  const names = [...project.list(dir)].sort();
  const here = names.map((name) => path.posix.join(dir, name));
  const files = here.filter((file) => SOURCE_FILE.test(file) && project.isFile(file));
  const folders = here.filter((file) => !file.endsWith('/node_modules') && project.isDirectory(file));
  return [...files, ...folders.flatMap((folder) => sourceFiles(project, folder, depth + 1))];
}


/**
 * The first static folder a source file under `testDir` assigns with `pattern` (which matches up
 * to and including the `=` or `:`), relative to the working directory.
 */
export function findAssignedDirectory(project: ProjectFiles, testDir: string, pattern: RegExp): { dir: string; file: string } | undefined {
  const global = new RegExp(pattern.source, 'g');
  for (const file of sourceFiles(project, testDir)) {
    const code = blankComments(project.readText(file) ?? '', 'slash');
    for (const match of blankStrings(code).matchAll(global)) {
      const dir = staticDirectory(expressionAt(code, match.index + match[0].length), path.posix.dirname(file));
      if (dir !== undefined) return { dir, file };
    }
  }
  return undefined;
}
