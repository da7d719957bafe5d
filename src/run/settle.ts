// What the run decides at its end, once every file ran: late writers, changes nobody named, and
// what passing files left unwritten.
import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { secretsOf } from '../config/secrets.js';
import { findLeaks, type Secret } from '../cassettes/leaks.js';
import type { FileResult } from '../results/run-outcome.js';
import { projectRelative } from '../state/paths.js';
import type { Vault } from './vault.js';

/**
 * A file nobody named that changed while several files ran cannot be pinned on one of them. When
 * in doubt it is not kept: back to how the run found it if any file that ran alongside failed, or
 * if it holds a secret; otherwise kept, and said.
 */
export async function settleForeignChanges(results: readonly FileResult[], vault: Vault, config: Config): Promise<{ problems: string[]; notes: string[] }> {
  const failed = new Set(results.filter((result) => result.status !== 'succeeded').map((result) => result.file));
  const secrets = secretsOf(config);
  const problems: string[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const result of results) {
    for (const { file, alongside } of result.foreign ?? []) {
      if (seen.has(file)) continue;
      seen.add(file);
      const writers = [result.file, ...alongside];
      const name = projectRelative(config.workingDirectory, file);
      const failedWriter = writers.find((writer) => failed.has(writer));
      const leaked = failedWriter ? false : await holdsSecret(file, secrets);
      if (failedWriter || leaked) {
        const restored = await vault.putBack(vault.baselineOf(file) ?? { path: file, kind: 'absent' }).then(
          () => undefined,
          (error: Error) => error.message,
        );
        if (restored !== undefined) {
          problems.push(`${name} changed while ${writers.join(', ')} ran and could not be put back: ${restored}`);
          continue;
        }
        (leaked ? problems : notes).push(`${name} changed while ${writers.join(', ')} ran, and no journal or mapping names it; ${failedWriter ? `${failedWriter} failed` : 'it holds a secret'}, so it was put back as the run found it`);
      } else {
        notes.push(`${name} changed while ${writers.join(', ')} ran, and no journal or mapping names it; all of them passed, so it was kept: name it in cassette-functions or run with --workers 1 to pin it on one file`);
      }
    }
  }
  return { problems, notes };
}

async function holdsSecret(file: string, secrets: readonly Secret[]): Promise<boolean> {
  if (secrets.length === 0) return false;
  const text = await readFile(file, 'utf8').catch(() => '');
  return findLeaks(text, secrets).length > 0;
}

/**
 * A kept cassette whose bytes changed after it was kept had a writer that outlived its test: the
 * file fails and the cassette goes back to how the run found it.
 */
export async function refuseLateWrites(results: FileResult[], vault: Vault, config: Config): Promise<FileResult[]> {
  const checked: FileResult[] = [];
  for (const result of results) {
    const late: string[] = [];
    for (const [cassette, hash] of result.keptHashes ?? []) {
      const now = (await vault.hashOf(cassette).catch(() => undefined)) ?? 'gone';
      if (now !== hash) late.push(cassette);
    }
    if (late.length === 0) {
      checked.push(result);
      continue;
    }
    for (const cassette of late) await vault.putBack(vault.baselineOf(cassette) ?? { path: cassette, kind: 'absent' });
    const names = late.map((cassette) => projectRelative(config.workingDirectory, cassette));
    checked.push({
      ...result,
      status: 'failed',
      reason: `written to after it was kept: ${names.join(', ')} (a process outlived its test?); restored to how the run found it`,
      cassettes: result.cassettes.map((entry) => (names.includes(entry.cassette) ? { ...entry, outcome: 'restored' } : entry)),
      drift: [],
    });
  }
  return checked;
}

/**
 * The cassettes each passing file uses (`mapped`, or opened by its hook) that are absent once the run
 * settled: its tests passed without a request there, so the library wrote nothing (vcrpy, Ruby VCR).
 * The manifest remembers them, and `missing` and audit stop counting them until a run writes them.
 */
export async function noteUnwritten(results: readonly FileResult[], mapped: ReadonlyMap<string, readonly string[]>, workingDirectory: string): Promise<FileResult[]> {
  return Promise.all(
    results.map(async (result) => {
      if (result.status !== 'succeeded') return result;
      const uses = [...new Set([...(mapped.get(result.file) ?? []), ...(result.journaled ?? [])])];
      const present = await Promise.all(uses.map((cassette) => lstat(path.resolve(workingDirectory, cassette)).then(() => true, () => false)));
      const unwritten = uses.filter((_, index) => !present[index]).sort();
      return unwritten.length > 0 ? { ...result, unwritten } : result;
    }),
  );
}
