// `.rerecord.yml` at the project root: any input under its input name, so the workflow and a
// laptop share one copy of the settings. Flags and action inputs override it. Secrets never go
// in it (it is committed); unknown keys are exit 2 naming the key, a typo must not pass silently.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import type { InputSource } from './config.js';
import { ConfigError } from './errors.js';
import { INPUTS, type InputName } from './inputs.js';
import { closest } from './suggest.js';

export const CONFIG_FILE = '.rerecord.yml';

/** Inputs a committed file must not hold: secrets, and what only the invocation can say. */
const NOT_IN_FILE: Partial<Record<InputName, string>> = {
  'api-key': 'a secret must never be committed; set api-key-env and pass the key from a secret',
  'github-token': 'a secret must never be committed',
  token: 'a secret must never be committed',
  'extra-secrets': 'secrets must never be committed',
  'working-directory': 'the file sits in the working directory already; remove the key',
  step: 'the step is chosen per invocation (the CLI subcommand, or the step input)',
};

export type ConfigFileValues = Partial<Record<InputName, string>>;

/** Reads the file's values as input strings (lists joined by newlines); undefined when there is no file. Throws ConfigError. */
export function readConfigFile(projectRoot: string): ConfigFileValues | undefined {
  const file = path.join(projectRoot, CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw new ConfigError([`${CONFIG_FILE}: could not read ${file}: ${(error as Error).message}`]);
  }
  return parseConfigFile(text);
}

export function parseConfigFile(text: string): ConfigFileValues {
  let document: unknown;
  try {
    document = load(text);
  } catch (error) {
    throw new ConfigError([`${CONFIG_FILE}: not valid YAML: ${(error as Error).message.split('\n')[0]}`]);
  }
  if (document === undefined || document === null) return {};
  if (typeof document !== 'object' || Array.isArray(document)) throw new ConfigError([`${CONFIG_FILE}: expected a mapping of input names to values, such as "workers: 4"`]);
  const problems: string[] = [];
  const values: ConfigFileValues = {};
  for (const [key, value] of Object.entries(document)) {
    if (!Object.hasOwn(INPUTS, key)) {
      problems.push(`${CONFIG_FILE}: unknown key "${key}"; expected an input name (${suggestion(key)}see the README's input table)`);
      continue;
    }
    const name = key as InputName;
    const refused = NOT_IN_FILE[name];
    if (refused) {
      problems.push(`${CONFIG_FILE}: "${key}" is not allowed here: ${refused}`);
      continue;
    }
    const text = asInputText(value);
    if (text === undefined) problems.push(`${CONFIG_FILE}: "${key}": expected a string, number, boolean or list of them`);
    else values[name] = text;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return values;
}

function asInputText(value: unknown): string | undefined {
  if (value === null) return '';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((item) => ['string', 'number', 'boolean'].includes(typeof item))) return value.map(String).join('\n');
  return undefined;
}

/** `did you mean "cassette-dir"? ` for cassette_dir, cassetteDir or a typo; else nothing. */
function suggestion(key: string): string {
  const names = Object.keys(INPUTS);
  const near = names.find((name) => name.replaceAll('-', '') === key.replaceAll(/[-_]/g, '').toLowerCase()) ?? closest(key, names);
  return near ? `did you mean "${near}"? ` : '';
}

/**
 * The source with the file's values under it: a flag or input given (non-empty) wins, else the
 * file, else the table's default. The file is read from the working directory the source names.
 */
export function withConfigFile(source: InputSource, cwd: string): InputSource {
  const root = path.resolve(cwd, source.read('working-directory')?.trim() || '.');
  const file = readConfigFile(root);
  if (!file) return source;
  return {
    surface: source.surface,
    read: (name) => {
      const given = source.read(name);
      return given?.trim() ? given : file[name];
    },
    label: (name) => (source.read(name)?.trim() || file[name] === undefined ? source.label(name) : `${CONFIG_FILE} "${name}"`),
  };
}

/** What `rerecord init` writes: what detection found, and the settings most projects add, commented out. */
export function configFileText(found: { framework: string; testDir: string; cassetteDir: string; command: readonly string[] }): string {
  const quote = (word: string) => (/^[\w@%+=:,./{}-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`);
  const lines = [
    `# rerecord settings: any input of the action (or flag of the CLI) under its name. Flags and`,
    `# action inputs override these. Secrets never go here: name the variable with api-key-env.`,
    `framework: ${found.framework}`,
    `test-dir: ${found.testDir}`,
    `cassette-dir: ${found.cassetteDir}`,
  ];
  // Empty for a preset that runs files with its own runner (testthat), which takes no command.
  if (found.command.length > 0) lines.push(`command: ${JSON.stringify(found.command.map(quote).join(' '))}`);
  lines.push(
    `# api-key-env: MYAPI_KEY          # the variable your tests read the key from`,
    `# volatile-fields: [$.timestamp]  # response fields that change on every request`,
    `# priority-patterns: ['^test-core', users]`,
    `# workers: 4`,
    '',
  );
  return lines.join('\n');
}
