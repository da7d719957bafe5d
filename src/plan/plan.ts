// The whole plan, from discovered files to this shard's lanes. Pure: no fs, no processes.
import type { Mode } from '../config/inputs.js';
import type { Shard } from '../config/parsers.js';
import type { FrameworkPreset } from '../frameworks/preset.js';
import type { Manifest } from '../state/manifest.js';
import { buildLanes, longestFirst, type Lane } from './lanes.js';
import { describeUncounted, expectedCassettes, findSharedCassettes, mapCassettes, uncountedCassettes, type FileMapping, type SharedCassette, type TestSource } from './map.js';
import { selectFiles } from './select.js';
import { lanesOfShard } from './shard.js';

export interface PlanInput {
  mode: Mode;
  testDir: string;
  priorityPatterns: readonly string[];
  failureLog: readonly string[] | undefined;
  failureLogPath: string;
  /** Every discovered test file with its source, sorted by path. */
  testFiles: ReadonlyArray<TestSource>;
  preset: FrameworkPreset;
  cassetteDir: string;
  cassetteFunctions: readonly string[];
  manifest: Manifest;
  shard: Shard;
  cassetteExists: (cassette: string) => boolean;
  /** For `stale`: when each cassette was recorded (undefined: unknown or not recorded). */
  recordedAt?: (cassette: string) => Date | undefined;
  now?: Date;
  maxAgeMs?: number;
}

export interface Plan {
  /** This shard's files, in selection order (priority order for mode priority). */
  files: FileMapping[];
  /** Every discovered test file's mapping, selected or not. */
  mappings: FileMapping[];
  /** How many files the mode selected across all shards. */
  selectedCount: number;
  /** Cassettes used by more than one test file, among all discovered files. */
  shared: SharedCassette[];
  /** This shard's lanes, longest first: the order the runner starts them in. */
  lanes: Lane[];
  notes: string[];
  /**
   * For `missing`: the one line saying how many absent cassettes were not counted (possible, or left
   * unwritten), so nothing is hidden silently. Information, not a warning: it holds on every run.
   */
  uncounted?: string;
  /** How the cassettes were mapped when the framework was asked (or why it was not): one line for the plan. */
  mappedBy?: string;
  problems: string[];
}

export function buildPlan(input: PlanInput): Plan {
  const mappings = mapCassettes(input.testFiles, input.preset, input.cassetteDir, input.manifest, input.cassetteFunctions);
  const byFile = new Map(mappings.map((mapping) => [mapping.file, mapping]));
  const selection = selectFiles({
    mode: input.mode,
    testFiles: mappings.map((mapping) => mapping.file),
    testDir: input.testDir,
    priorityPatterns: input.priorityPatterns,
    failureLog: input.failureLog,
    failureLogPath: input.failureLogPath,
    // Only expected cassettes: one its tests may never write (possible, unwritten) would select the file on every run.
    usesMissingCassette: (file) => expectedCassettes(byFile.get(file)!).some((cassette) => !input.cassetteExists(cassette)),
    // An absent cassette its tests may never write is never recorded, not stale: it too would select the file on every run.
    usesStaleCassette: (file) => datedCassettes(byFile.get(file)!, input.cassetteExists).some((cassette) => isStale(input, cassette)),
  });
  const selected = selection.files.map((file) => byFile.get(file)!);
  const durations = new Map(
    Object.entries(input.manifest.files).flatMap(([file, entry]) => (entry.durationMs === undefined ? [] : [[file, entry.durationMs] as const])),
  );
  const lanes = longestFirst(lanesOfShard(buildLanes(selected, durations), input.shard));
  const inShard = new Set(lanes.flatMap((lane) => lane.files.map((mapping) => mapping.file)));
  return {
    files: selected.filter((mapping) => inShard.has(mapping.file)),
    mappings,
    selectedCount: selected.length,
    shared: findSharedCassettes(mappings),
    lanes,
    notes: selection.notes,
    ...uncountedLine(input, mappings),
    problems: selection.problems,
  };
}

/** For `missing`: how many absent cassettes were not counted (possible, unwritten), in one line. */
function uncountedLine(input: PlanInput, mappings: readonly FileMapping[]): Pick<Plan, 'uncounted'> {
  const line = input.mode === 'missing' ? describeUncounted(uncountedCassettes(mappings, input.cassetteExists)) : undefined;
  return line === undefined ? {} : { uncounted: line };
}

/** The expected cassettes, and the possible or unwritten ones that exist after all (they have an age). */
function datedCassettes(mapping: FileMapping, exists: (cassette: string) => boolean): string[] {
  const expected = new Set(expectedCassettes(mapping));
  return mapping.cassettes.filter((cassette) => expected.has(cassette) || exists(cassette));
}

/** A cassette never recorded, or recorded longer ago than max-age, is stale. */
function isStale(input: PlanInput, cassette: string): boolean {
  const recorded = input.recordedAt?.(cassette);
  if (!recorded) return true;
  return (input.now ?? new Date()).getTime() - recorded.getTime() > (input.maxAgeMs ?? Infinity);
}

/** A plan with what it was made from that the run needs too. */
export interface PlannedRun {
  plan: Plan;
  manifest: Manifest;
  /** Every test file found (relative), selected or not: none is ever a cassette. */
  testFiles: string[];
}
