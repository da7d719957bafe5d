import type { FileMapping } from './map.js';
import type { Plan } from './plan.js';

/**
 * Drop every cassette path that must never be touched (outside the project, inside .git/ or
 * .rerecord/, a test file itself, or the config file), wherever it came from (source, manifest),
 * with a note each. `refusal` says why a cassette must not be touched, or undefined when it may.
 */
export function confinePlan(plan: Plan, refusal: (cassette: string) => string | undefined): Plan {
  const notes: string[] = [];
  const confined = new Map<FileMapping, FileMapping>();
  const confine = (mapping: FileMapping): FileMapping => {
    let kept = confined.get(mapping);
    if (kept) return kept;
    const cassettes = mapping.cassettes.filter((cassette) => {
      const why = refusal(cassette);
      if (why && !notes.includes(`${mapping.file}: ${why}`)) notes.push(`${mapping.file}: ${why}`);
      return why === undefined;
    });
    if (cassettes.length === mapping.cassettes.length) kept = mapping;
    else {
      kept = { ...mapping, cassettes };
      if (mapping.possible) kept.possible = mapping.possible.filter((cassette) => cassettes.includes(cassette));
      if (mapping.unwritten) kept.unwritten = mapping.unwritten.filter((cassette) => cassettes.includes(cassette));
    }
    confined.set(mapping, kept);
    return kept;
  };
  const mappings = plan.mappings.map(confine);
  return {
    ...plan,
    mappings,
    files: plan.files.map(confine),
    lanes: plan.lanes.map((lane) => ({ ...lane, files: lane.files.map(confine) })),
    notes: [...plan.notes, ...notes],
  };
}
