// `rerecord init`: write .rerecord.yml from what detection found, so the CLI and the workflow
// read one copy of the settings. Never overwrites: an existing file is the user's.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { CONFIG_FILE, configFileText } from '../config/config-file.js';

export type InitResult = { written: true; file: string; text: string } | { written: false; file: string; why: string };

/** Never overwrites: an existing file is refused (bad input, nothing touched); the caller renders either. */
export async function writeConfigFile(config: Config): Promise<InitResult> {
  const file = path.join(config.workingDirectory, CONFIG_FILE);
  const text = configFileText({ framework: config.framework.name, testDir: config.testDir, cassetteDir: config.cassetteDir, command: config.command });
  try {
    await writeFile(file, text, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { written: false, file, why: `${CONFIG_FILE} exists already in ${config.workingDirectory}; edit it, or remove it to write a new one` };
  }
  return { written: true, file, text };
}
