// Every framework rerecord knows, in the order detection tries them. A preset is one folder
// (`<name>/index.ts`, its record hook in `<name>/hook/`, its README section in `<name>/README.md`);
// adding a framework means adding its folder and one entry here. The input table, action.yml, the
// CLI's choices, the README and the could-not-detect error all read this list.
import { custom } from './custom/index.js';
import { node } from './node/index.js';
import { polly } from './polly/index.js';
import type { FrameworkPreset } from './preset.js';
import { pytest } from './pytest/index.js';
import { rspec } from './rspec/index.js';
import type { ProjectFiles } from './shared/project-files.js';
import { testthat } from './testthat/index.js';

/** Detection order: Polly before node (both live in package.json, and a Polly project may use nock too); custom is never guessed. */
export const PRESETS = [testthat, polly, node, pytest, rspec, custom] as const;

export type FrameworkName = (typeof PRESETS)[number]['name'];

/** Names in the order the docs list them (the registry's, custom last). */
export const FRAMEWORK_NAMES: readonly FrameworkName[] = PRESETS.map((preset) => preset.name);

export function presetNamed(name: FrameworkName): FrameworkPreset<FrameworkName> {
  return PRESETS.find((preset) => preset.name === name)!;
}

/** Every preset's words for "the runtime cannot load", and a shell's for "the runtime is missing". */
export const ENVIRONMENT_ERRORS: readonly RegExp[] = [...PRESETS.flatMap((preset) => preset.environmentErrors ?? []), /^.*: command not found$/m];

/** Any library's words for a request it has no recording for (a custom command may use any of them). */
export const LIBRARY_MISS = new RegExp(PRESETS.flatMap((preset) => (preset.libraryMiss ? [preset.libraryMiss.source] : [])).join('|'), 'i');

/** Folders no preset's tests or cassettes live in: version control, rerecord's own, and every runtime's tool folders. */
export const NEVER_SEARCHED_FOLDERS: ReadonlySet<string> = new Set(['.git', '.rerecord', ...PRESETS.flatMap((preset) => preset.toolFolders ?? [])]);

/** Whether a runtime or record hook of any preset reads this variable (the key may be written into none of them). */
export function reservedByAPreset(variable: string): boolean {
  return PRESETS.some((preset) => preset.reservedVariables?.test(variable));
}

export interface Detected {
  preset: FrameworkPreset<FrameworkName>;
  /** What gave it away: `tests/conftest.py`, `nock in package.json`. */
  evidence: string;
}

/** The first preset whose telltale files the project has, with what gave it away. */
export function detectFramework(project: ProjectFiles): Detected | undefined {
  for (const preset of PRESETS) {
    const evidence = preset.detect?.(project);
    if (evidence !== undefined) return { preset, evidence };
  }
  return undefined;
}
