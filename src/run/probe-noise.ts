// learn-noise: a file whose new recording differs from the old one is recorded a second time at
// once; what differs between the two fresh recordings varies by itself (learnNoise names it per
// endpoint). The second recording is only read: the first one's bytes go back in place before
// anything else looks at the files, so the attempt goes on with what it recorded first.
//
// Safety rests on the attempt's transaction: the second recording runs inside it (the journal
// keeps its first line per cassette, whose backup holds the original bytes), so a crash or kill
// during the probe puts back the originals like any other. A probe that writes a cassette the
// first recording did not touch, or whose first bytes cannot be put back, fails the file: the
// attempt then restores everything it touched.
import { mkdir, readFile, rm, copyFile } from 'node:fs/promises';
import path from 'node:path';
import type { CassetteDiff } from '../cassettes/diff.js';
import { decodeCassetteBytes, parseCassette } from '../cassettes/formats/index.js';
import { learnNoise, mergeLearnedNoise, type LearnedNoise } from '../cassettes/learn-noise.js';
import type { Cassette } from '../cassettes/model.js';
import type { ChildOutcome } from './child.js';
import type { RecordedCassette } from './inspect.js';
import { putBack } from './vault.js';

export interface ProbeInput {
  /** What the attempt keeps (absolute paths), after the first inspection. */
  kept: readonly RecordedCassette[];
  /** The first inspection's drift: only `changed` cassettes are probed (relative names). */
  drift: readonly CassetteDiff[];
  relative: (absolutePath: string) => string;
  /** Runs the test file once more, recording, inside the attempt's transaction. */
  recordAgain: () => Promise<ChildOutcome>;
  /** Absolute paths of every cassette the attempt's journal names, after the second recording. */
  journaled: () => Promise<string[]>;
  /** Where the first recordings' bytes are kept while the second is made (the attempt's own folder). */
  saveDirectory: string;
  volatilePaths: readonly string[];
}

export interface ProbeResult {
  learned: LearnedNoise[];
  /** Interactions the second recording holds: requests it spent. */
  requests: number;
  /** Why nothing was learned, when the second recording could not be used. */
  note?: string;
  /** Set when the file must fail (the attempt restores everything). */
  failure?: string;
}

export async function probeNoise(input: ProbeInput): Promise<ProbeResult> {
  const changed = new Set(input.drift.filter((diff) => diff.status === 'changed').map((diff) => diff.cassette));
  const probed = input.kept.filter((entry) => changed.has(input.relative(entry.cassette)));
  if (probed.length === 0) return { learned: [], requests: 0 };
  const before = new Set((await input.journaled()).map((cassette) => path.resolve(cassette)));
  for (const entry of input.kept) before.add(path.resolve(entry.cassette));
  await mkdir(input.saveDirectory, { recursive: true });
  const saved = new Map<string, string>();
  try {
    let n = 0;
    for (const entry of input.kept) {
      const copy = path.join(input.saveDirectory, `probe-${n++}-${path.basename(entry.cassette)}`);
      await copyFile(entry.cassette, copy);
      saved.set(entry.cassette, copy);
    }
    const first = new Map<string, Cassette | undefined>();
    for (const entry of probed) first.set(entry.cassette, await readRecording(entry.cassette));
    const outcome = await input.recordAgain();
    const touched = (await input.journaled()).map((cassette) => path.resolve(cassette)).filter((cassette) => !before.has(cassette));
    if (touched.length > 0) {
      return { learned: [], requests: 0, failure: `the learn-noise probe (a second recording) wrote ${touched.map(input.relative).join(', ')}, which the first did not: its recordings cannot be compared` };
    }
    let requests = 0;
    const learned: LearnedNoise[] = [];
    for (const entry of input.kept) {
      const second = await readRecording(entry.cassette);
      requests += second?.interactions.length ?? 0;
      const earlier = first.get(entry.cassette);
      if (earlier && second && outcomeOk(outcome)) learned.push(...learnNoise(earlier, second, input.volatilePaths));
    }
    const restored = await restore(saved);
    if (restored) return { learned: [], requests, failure: `the learn-noise probe could not put back the first recording: ${restored}` };
    if (!outcomeOk(outcome)) return { learned: [], requests, note: `learn-noise: the second recording did not pass (${describeOutcome(outcome)}): nothing learned` };
    return { learned: mergeLearnedNoise(learned), requests };
  } catch (error) {
    const restored = await restore(saved);
    return { learned: [], requests: 0, failure: `the learn-noise probe failed: ${(error as Error).message}${restored ? `; ${restored}` : ''}` };
  } finally {
    await rm(input.saveDirectory, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Puts every saved first recording back; the first error, or undefined when all went back. */
async function restore(saved: ReadonlyMap<string, string>): Promise<string | undefined> {
  for (const [cassette, copy] of saved) {
    try {
      await putBack(copy, cassette);
    } catch (error) {
      return `${cassette}: ${(error as Error).message}`;
    }
  }
  return undefined;
}

async function readRecording(file: string): Promise<Cassette | undefined> {
  try {
    return parseCassette(decodeCassetteBytes(await readFile(file)).text, file);
  } catch {
    return undefined;
  }
}

function outcomeOk(outcome: ChildOutcome): boolean {
  return outcome.exitCode === 0 && !outcome.timedOut && !outcome.cancelled && outcome.spawnError === undefined && outcome.signal === null && outcome.survivors.length === 0 && !outcome.crash;
}

function describeOutcome(outcome: ChildOutcome): string {
  if (outcome.spawnError) return outcome.spawnError;
  if (outcome.timedOut) return 'timed out';
  if (outcome.cancelled) return 'cancelled';
  if (outcome.signal) return `killed by ${outcome.signal}`;
  return `exit code ${outcome.exitCode}`;
}
