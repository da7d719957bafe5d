// Every test file gets a state folder of its own (XDG_STATE_HOME): a vault made outside a git
// repository (unit tests' temp folders, and the CLIs they start, which inherit it) lands there,
// never in the home folder of whoever runs the tests.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

const stateHome = mkdtempSync(path.join(os.tmpdir(), 'rerecord-state-home-'));
process.env.XDG_STATE_HOME = stateHome;
afterAll(() => rmSync(stateHome, { recursive: true, force: true }));
