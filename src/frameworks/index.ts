import type { FrameworkName } from '../config/inputs.js';
import { custom } from './custom.js';
import { node } from './node.js';
import type { FrameworkPreset } from './preset.js';
import type { ProjectFiles } from './project-files.js';
import { testthat } from './testthat.js';

export const PRESETS: Record<FrameworkName, FrameworkPreset> = { testthat, node, custom };

/** The first preset whose telltale files the project has; custom is never guessed. */
export function detectFramework(project: ProjectFiles): FrameworkPreset | undefined {
  return [testthat, node].find((preset) => preset.detect(project));
}
