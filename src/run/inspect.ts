// Before a passing file's new recordings are kept: refuse leaked secrets and poisoned recordings,
// and put back the old bytes of any cassette whose new recording differs only by noise.
import { readFile, writeFile } from 'node:fs/promises';
import { diffCassettes, type CassetteDiff, type DiffOptions } from '../cassettes/diff.js';
import { parseCassette } from '../cassettes/formats/index.js';
import { describeLeak, findLeaks, redactLeaks, type Secret } from '../cassettes/leaks.js';
import type { Cassette } from '../cassettes/model.js';
import { describePoison, findPoison, type StatusMatcher } from '../cassettes/poison.js';
import { putBack } from './vault.js';

export interface InspectSettings {
  diff: DiffOptions;
  isPoison: StatusMatcher;
  secrets: readonly Secret[];
  onLeak: 'fail' | 'redact';
  placeholder: string;
  /** Origins rewritten in new recordings before anything else looks at them. */
  hostMap: ReadonlyArray<{ from: string; to: string }>;
}

export interface RecordedCassette {
  /** Absolute path of the new recording. */
  cassette: string;
  /** Path of a copy of its bytes before the run, if it existed. */
  original: string | null;
}

export interface Inspection {
  /** Set when the file must fail: every cassette it touched is then restored. */
  failure: string | undefined;
  /** Real drift, per cassette (relative paths): changed or added. */
  drift: CassetteDiff[];
  /** Cassettes whose new recording was only noise and got their old bytes back. */
  noiseOnly: string[];
  warnings: string[];
}

export async function inspectRecordings(
  recorded: readonly RecordedCassette[],
  settings: InspectSettings,
  relative: (absolutePath: string) => string,
): Promise<Inspection> {
  const result: Inspection = { failure: undefined, drift: [], noiseOnly: [], warnings: [] };
  const reverts: RecordedCassette[] = [];
  for (const entry of recorded) {
    const name = relative(entry.cassette);
    let text = await readFile(entry.cassette, 'utf8');
    if (settings.hostMap.length > 0) text = await rewriteHosts(entry.cassette, text, settings.hostMap);
    const leaks = findLeaks(text, settings.secrets);
    if (leaks.length > 0 && settings.onLeak === 'fail') {
      return { ...result, failure: `leaked secret: ${leaks.slice(0, 3).map((leak) => describeLeak(name, leak)).join('; ')}` };
    }
    if (leaks.length > 0) {
      text = redactLeaks(text, settings.secrets, settings.placeholder).text;
      await writeFile(entry.cassette, text);
      result.warnings.push(`redacted ${leaks.length} secret occurrence(s) in ${leaks.map((leak) => describeLeak(name, leak)).join('; ')}`);
    }
    const next = readOrWarn(text, name, result.warnings);
    const old = entry.original ? readOrWarn(await readFile(entry.original, 'utf8'), `${name} (before)`, result.warnings) : undefined;
    if (!next) continue;
    const poison = findPoison(old, next, settings.isPoison);
    if (poison.length > 0) return { ...result, failure: `${describePoison(poison)} in ${name}` };
    const diff = diffCassettes(name, old, next, settings.diff);
    if (diff.status === 'noise-only' && entry.original) reverts.push(entry);
    else if (diff.status !== 'noise-only') result.drift.push(diff);
  }
  // Only once every cassette passed: a failing file restores everything anyway.
  for (const entry of reverts) {
    await putBack(entry.original!, entry.cassette);
    result.noiseOnly.push(relative(entry.cassette));
  }
  return result;
}

function readOrWarn(text: string, name: string, warnings: string[]): Cassette | undefined {
  try {
    return parseCassette(text, name);
  } catch (error) {
    warnings.push(`${(error as Error).message}; kept as recorded, not compared`);
    return undefined;
  }
}

async function rewriteHosts(file: string, text: string, hostMap: InspectSettings['hostMap']): Promise<string> {
  let rewritten = text;
  for (const { from, to } of hostMap) rewritten = rewritten.split(from).join(to);
  if (rewritten !== text) await writeFile(file, rewritten);
  return rewritten;
}
