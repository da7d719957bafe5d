// The workflows users copy (.github/examples): valid for GitHub's own parser, only real inputs,
// least privilege per job, and the settings the issue asked every one of them to carry.
import { readdirSync, readFileSync } from 'node:fs';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { INPUTS } from '../../../src/config/inputs.js';

const EXAMPLES = '.github/examples';
const files = readdirSync(EXAMPLES).filter((name) => name.endsWith('.yml')).sort();
interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}
interface Job {
  permissions?: Record<string, string>;
  'timeout-minutes'?: number;
  steps: Step[];
}
const load = (name: string) => YAML.parse(readFileSync(`${EXAMPLES}/${name}`, 'utf8')) as { permissions: unknown; concurrency?: { group: string }; jobs: Record<string, Job> };
const ours = (step: Step) => step.uses === 'OWNER/rerecord@v1';

describe('example workflows to copy', () => {
  it('one per ecosystem, each with its own setup and dependency cache', () => {
    expect(files).toEqual(['rerecord-node.yml', 'rerecord-python.yml', 'rerecord-r.yml', 'rerecord-ruby.yml']);
    const uses = (name: string) => Object.values(load(name).jobs).flatMap((job) => job.steps);
    expect(uses('rerecord-r.yml').map((s) => s.uses)).toEqual(expect.arrayContaining(['r-lib/actions/setup-r@v2', 'r-lib/actions/setup-r-dependencies@v2']));
    expect(uses('rerecord-python.yml').find((s) => s.uses === 'actions/setup-python@v5')?.with).toMatchObject({ cache: 'pip' });
    expect(uses('rerecord-ruby.yml').find((s) => s.uses === 'ruby/setup-ruby@v1')?.with).toMatchObject({ 'bundler-cache': true });
    expect(uses('rerecord-node.yml').find((s) => s.uses === 'actions/setup-node@v4')?.with).toMatchObject({ cache: 'npm' });
  });

  it.each(files)('%s parses without errors', (name) => {
    const result = parseWorkflow({ name, content: readFileSync(`${EXAMPLES}/${name}`, 'utf8') }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().map((error) => error.message)).toEqual([]);
  });

  it.each(files)('%s passes only inputs the action has', (name) => {
    const withs = Object.values(load(name).jobs).flatMap((job) => job.steps.filter(ours)).flatMap((step) => Object.keys(step.with ?? {}));
    expect(withs.length).toBeGreaterThan(0);
    for (const input of withs) expect(Object.keys(INPUTS), input).toContain(input);
  });

  it.each(files)('%s: no permissions by default, write only in the job that publishes and runs no tests', (name) => {
    const workflow = load(name);
    expect(workflow.permissions).toEqual({});
    expect(workflow.concurrency?.group).toMatch(/^rerecord-/);
    for (const [id, job] of Object.entries(workflow.jobs)) {
      expect(job['timeout-minutes'], id).toBeGreaterThan(0);
      const publishes = job.steps.some((step) => ours(step) && step.with?.step === 'publish');
      const writes = Object.entries(job.permissions ?? {}).filter(([, level]) => level === 'write').map(([scope]) => scope);
      expect(writes.sort(), id).toEqual(publishes ? ['contents', 'pull-requests'] : []);
      const checkout = job.steps.find((step) => step.uses?.startsWith('actions/checkout@'));
      expect(checkout?.with?.['persist-credentials'], id).toBe(false);
      const stale = job.steps.some((step) => ours(step) && step.with?.mode === 'stale');
      if (stale) expect(checkout?.with?.['fetch-depth'], id).toBe(0);
      if (publishes) expect(job.steps.find(ours)?.with?.token).toBe('${{ secrets.RERECORD_TOKEN }}');
    }
  });
});
