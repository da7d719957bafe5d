// `{name}` placeholders in a text a user writes (a pull request's title or body). Only
// `{lower-case-words}` count as placeholders: other braces (JSON, code) are left as written.

const PLACEHOLDER = /\{([a-z][a-z0-9-]*)\}/g;

/** The placeholder names a template uses, in order of first use. */
export function placeholdersIn(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((match) => match[1]!))];
}

/** Every placeholder replaced in one pass: a value holding `{drift}` is not filled again. */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => (Object.hasOwn(values, name) ? values[name]! : whole));
}
