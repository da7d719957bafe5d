import type { FrameworkName } from '../config/inputs.js';
import { custom } from './custom.js';
import { node } from './node.js';
import { polly } from './polly.js';
import type { FrameworkPreset } from './preset.js';
import type { ProjectFiles } from './project-files.js';
import { pytest } from './pytest.js';
import { rspec } from './rspec.js';
import { testthat } from './testthat.js';

export const PRESETS: Record<FrameworkName, FrameworkPreset> = { testthat, node, polly, pytest, rspec, custom };

/** The first preset whose telltale files the project has; custom is never guessed. Polly before node: both live in package.json. */
export function detectFramework(project: ProjectFiles): FrameworkPreset | undefined {
  return [testthat, polly, node, pytest, rspec].find((preset) => preset.detect(project));
}
