import type { Config } from '../config/config.js';

/**
 * Test processes get our environment without the action's INPUT_* variables (one of them is the
 * key under another name), and the key only under the name the tests read.
 */
export function childEnvironment(env: NodeJS.ProcessEnv, config: Pick<Config, 'apiKey' | 'apiKeyEnv'>): NodeJS.ProcessEnv {
  const child = Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('INPUT_')));
  if (config.apiKeyEnv && config.apiKey) child[config.apiKeyEnv] = config.apiKey;
  return child;
}
