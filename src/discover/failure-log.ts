// The failure log a run left in the working tree, read for `mode: failures`.
import path from 'node:path';
import type { Config } from '../config/config.js';
import { ConfigError } from '../config/errors.js';
import { jsonTwinPath, parseFailureLog, parseFailureReport } from '../state/failure-log.js';
import { readOwnFile } from '../state/own-files.js';
import { projectRelative } from '../state/paths.js';
import { entryNumbers } from '../text/format.js';

/**
 * The last run's failure log in the working tree. The JSON
 * twin is the source of truth; the text form is read only when there is no twin.
 */
export async function readFailureLog(config: Pick<Config, 'workingDirectory' | 'failureLog'>, warn: (message: string) => void): Promise<string[] | undefined> {
  const twin = jsonTwinPath(config.failureLog);
  try {
    const report = await readOwnFile(config.workingDirectory, twin);
    const text = await readOwnFile(config.workingDirectory, config.failureLog).catch(() => undefined);
    if (report !== undefined) {
      const files = parseFailureReport(report.toString('utf8'), twin).toRerun;
      if (text !== undefined && !sameFiles(files, text.toString('utf8'), config.failureLog)) {
        warn(`${config.failureLog} does not list what ${twin} lists (edited, or cut short); ${twin} is the source of truth and is what runs: edit its "toRerun" list, or delete it to run what ${config.failureLog} lists`);
      }
      return projectRelativeLines(config, files, twin);
    }
    return text === undefined ? undefined : projectRelativeLines(config, parseFailureLog(text.toString('utf8'), config.failureLog), config.failureLog);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError([(error as Error).message]);
  }
}

function sameFiles(files: readonly string[], text: string, where: string): boolean {
  try {
    const listed = parseFailureLog(text, where);
    return listed.length === files.length && listed.every((file, index) => file === files[index]);
  } catch {
    return false;
  }
}

/** Failure logs may hold absolute paths (the old scripts wrote them); inside the project they are read as relative ones. */
function projectRelativeLines(config: Pick<Config, 'workingDirectory'>, lines: readonly string[], where: string): string[] {
  const outside: number[] = [];
  const relative = lines.map((line, index) => {
    if (!path.isAbsolute(line)) return line;
    const inside = projectRelative(config.workingDirectory, line);
    if (inside.startsWith('../') || inside === '..') outside.push(index + 1);
    return inside;
  });
  if (outside.length > 0) {
    throw new ConfigError([`${where}: ${outside.length} of the ${lines.length} files it lists are outside the working directory ${config.workingDirectory} (${entryNumbers(outside)}, not shown); remove them`]);
  }
  return relative;
}
