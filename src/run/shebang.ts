// Which interpreter a script runs in, read from its `#!` line, the way the kernel would pick it: a
// bare `pytest` (a virtualenv's, or the system's) names its Python only there.
import { accessSync, constants, openSync, readSync, closeSync } from 'node:fs';
import path from 'node:path';

/** The interpreter (and its leading arguments) of `script`, found as a shell would find it; else why not. */
export function scriptInterpreter(script: string, cwd: string, searchPath: string | undefined): { command: string; args: string[] } | { unavailable: string } {
  const file = script.includes('/') ? path.resolve(cwd, script) : findOnPath(script, searchPath ?? '');
  if (!file) return { unavailable: `\`${script}\` was not found on PATH` };
  const head = readHead(file);
  if (head === undefined) return { unavailable: `could not read ${file}` };
  const [first = '', ...rest] = head.split('\n');
  if (!first.startsWith('#!')) return { unavailable: `${file} has no #! line naming its interpreter` };
  const words = first.slice(2).trim().split(/\s+/);
  // pip writes `#!/bin/sh` and an `exec` line for interpreter paths too long for #!.
  const execLine = rest.slice(0, 3).join('\n').match(/^'''exec' "?([^"\s]+)"?/m);
  if (execLine) return { command: execLine[1]!, args: [] };
  if (path.basename(words[0]!) === 'env') {
    const named = words.slice(1).filter((word) => !word.startsWith('-'));
    return named.length > 0 ? { command: named[0]!, args: named.slice(1) } : { unavailable: `${file}'s #! line names no interpreter` };
  }
  return { command: words[0]!, args: words.slice(1) };
}

function findOnPath(name: string, searchPath: string): string | undefined {
  for (const folder of searchPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(folder, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function readHead(file: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const buffer = Buffer.alloc(512);
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, read).toString('utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
