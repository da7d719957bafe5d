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
