// The action reads its inputs the way the runner passes them: INPUT_<NAME> variables.
import * as core from '@actions/core';
import type { InputSource } from './config.js';

export const actionInputs: InputSource = {
  surface: 'action',
  read: (name) => core.getInput(name),
  label: (name) => `input '${name}'`,
};
