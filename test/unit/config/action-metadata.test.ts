// action.yml and the README must say what the input table says.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { INPUTS, OUTPUTS } from '../../../src/config/inputs.js';

const action = YAML.parse(readFileSync('action.yml', 'utf8'));

describe('action.yml', () => {
  it('declares exactly the table\'s inputs, with its descriptions and defaults', () => {
    expect(Object.keys(action.inputs)).toEqual(Object.keys(INPUTS));
    for (const [name, spec] of Object.entries(INPUTS)) {
      expect(action.inputs[name], name).toEqual({ description: spec.description, required: false, ...(spec.default.startsWith('${{') ? { default: spec.default } : {}) });
    }
  });

  it('declares exactly the table\'s outputs', () => {
    expect(Object.fromEntries(Object.entries(action.outputs).map(([name, o]) => [name, (o as { description: string }).description]))).toEqual(OUTPUTS);
  });

  it('runs the bundle on node24 and has branding', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    expect(action.branding.icon).toBeTruthy();
  });
});
