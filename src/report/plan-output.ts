// `rerecord plan`: the selection, each file's cassettes, what could not be resolved, shared names.
import type { Config } from '../config/config.js';
import type { Plan } from '../plan/plan.js';

export function planDocument(plan: Plan, config: Config) {
  return {
    framework: config.framework.name,
    frameworkDetectedFrom: config.frameworkEvidence ?? null,
    mode: config.mode,
    shard: `${config.shard.index}/${config.shard.count}`,
    selected: plan.selectedCount,
    files: plan.files.map(({ file, cassettes, unresolved, possible }) => ({ file, cassettes, unresolved, ...(possible ? { possible } : {}) })),
    shared: plan.shared,
    lanes: plan.lanes.map((lane) => lane.files.map((mapping) => mapping.file)),
    notes: plan.notes,
    ...(plan.uncounted === undefined ? {} : { uncounted: plan.uncounted }),
    ...(plan.mappedBy === undefined ? {} : { mappedBy: plan.mappedBy }),
  };
}

/** `pytest`, or `pytest, detected from tests/conftest.py` when nobody named it: a wrong guess is then plain. */
export function frameworkLabel(config: Pick<Config, 'framework' | 'frameworkEvidence'>): string {
  return config.frameworkEvidence === undefined ? config.framework.name : `${config.framework.name}, detected from ${config.frameworkEvidence}`;
}

export function planText(plan: Plan, config: Config): string {
  const lines = [
    `${plan.files.length} of ${plan.selectedCount} selected files in shard ${config.shard.index}/${config.shard.count} (${frameworkLabel(config)}, mode ${config.mode}), ${config.workers} workers:`,
  ];
  for (const { file, cassettes, unresolved } of plan.files) {
    lines.push(`  ${file}`);
    for (const cassette of cassettes) lines.push(`    ${cassette}`);
    for (const expression of unresolved) lines.push(`    ? ${expression} (resolved at run time by the record hook)`);
  }
  if (plan.shared.length > 0) {
    lines.push('Cassettes shared by several files (those files never run at the same time):');
    for (const { cassette, files } of plan.shared) lines.push(`  ${cassette}: ${files.join(', ')}`);
  }
  if (plan.uncounted !== undefined) lines.push(plan.uncounted);
  if (plan.mappedBy !== undefined) lines.push(`Mapping: ${plan.mappedBy}`);
  return lines.join('\n');
}
