// What the docs say of the frameworks, generated from the registry: the input descriptions that
// list each preset's defaults, the README's framework table, and the could-not-detect error. A new
// preset shows up in all of them by being registered.
import type { FrameworkPreset } from './preset.js';
import { PRESETS } from './registry.js';

type Preset = FrameworkPreset<string>;

/** `testthat` (R testthat with vcr 1 or 2), …, or `custom` (any command). */
export function frameworkChoices(presets: readonly Preset[] = PRESETS): string {
  return sentenceList(presets.map((preset) => `\`${preset.name}\` (${preset.docs.summary})`), 'or');
}

/**
 * One value per preset, presets sharing a value named together, in registry order:
 * "testthat `tests/testthat`; node, polly and custom `test`; pytest `tests`".
 */
export function perPreset(value: (preset: Preset) => string | undefined, presets: readonly Preset[] = PRESETS): string {
  const groups = new Map<string, string[]>();
  for (const preset of presets) {
    const shown = value(preset);
    if (shown === undefined) continue;
    groups.set(shown, [...(groups.get(shown) ?? []), preset.name]);
  }
  return [...groups].map(([shown, names]) => `${sentenceList(names, 'and')} ${shown}`).join('; ');
}

/** A docs text for a message in a terminal: without the Markdown code marks. */
export function plainText(markdown: string): string {
  return markdown.replaceAll('`', '');
}

/** Markdown inline code. */
export function codeSpan(text: string): string {
  return `\`${text}\``;
}

/** The names of the presets that pass `test`, as code: `custom`, or `node` and `polly`. */
export function presetsWhere(test: (preset: Preset) => boolean, presets: readonly Preset[] = PRESETS): string {
  return sentenceList(presets.filter(test).map((preset) => codeSpan(preset.name)), 'and');
}

/** What detection looks for, as plain text for an error message. */
export function detectionClues(presets: readonly Preset[] = PRESETS): string {
  return presets.flatMap((preset) => (preset.docs.detectedBy === undefined ? [] : [`${preset.name}: ${plainText(preset.docs.detectedBy)}`])).join('; ');
}

/** The README's table of presets, one row each. */
export function frameworkTable(presets: readonly Preset[] = PRESETS): string {
  const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const rows = presets.map((preset) => {
    const { docs } = preset;
    const command = preset.commandUse === 'unused' ? 'not used' : preset.commandUse === 'required' ? 'required' : codeSpan(preset.defaultCommand.join(' '));
    const folder = docs.configuredCassetteDir === undefined ? docs.defaultCassetteDir : `${docs.configuredCassetteDir}, else ${docs.defaultCassetteDir}`;
    return [
      codeSpan(preset.name),
      docs.summary,
      docs.detectedBy ?? 'never: set `framework`',
      `${codeSpan(preset.defaultTestDir)}, ${codeSpan(preset.defaultTestPattern)}`,
      folder,
      docs.cassetteFile,
      command,
      docs.hookLoadedBy ?? 'none: rerecord moves the cassettes aside',
      preset.warmWorker ? 'forked per file from a warm worker (`warm`)' : 'a fresh process per file',
    ]
      .map(cell)
      .join(' | ');
  });
  return [
    '| `framework` | Runs | Detected by | Test files (`test-dir`, `test-pattern`) | Cassette folder (`cassette-dir`) | Cassette file | `command` | Record hook | Test processes |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

function sentenceList(items: readonly string[], conjunction: 'and' | 'or'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items.at(-1)}`;
}
