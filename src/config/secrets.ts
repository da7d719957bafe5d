import type { Secret } from '../cassettes/leaks.js';
import type { Config } from './config.js';

/** The key and every extra secret, named for findings (never shown). */
export function secretsOf(config: Pick<Config, 'apiKey' | 'extraSecrets'>): Secret[] {
  const extra = config.extraSecrets.map((value, index) => ({ name: `extra-secrets[${index + 1}]`, value }));
  return [...(config.apiKey ? [{ name: 'api-key', value: config.apiKey }] : []), ...extra];
}
