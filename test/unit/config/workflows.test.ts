// The example workflows and action.yml, checked with GitHub's own parser and schemas.
import { readdirSync, readFileSync } from 'node:fs';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/index';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { INPUTS } from '../../../src/config/inputs.js';

const WORKFLOWS = '.github/workflows';
const files = readdirSync(WORKFLOWS).filter((name) => name.endsWith('.yml'));
const examples = files.filter((name) => name.startsWith('rerecord-'));

describe('example workflows', () => {
  it('there are a weekly pull request, a manual dispatch and a matrix example, and the release workflow', () => {
    expect(files.sort()).toEqual(['release.yml', 'rerecord-manual.yml', 'rerecord-matrix.yml', 'rerecord-weekly.yml']);
  });

  it('the release workflow refuses a tag whose dist/ does not match its source, then moves the major tag', () => {
    const release = YAML.parse(readFileSync(`${WORKFLOWS}/release.yml`, 'utf8'));
    const runs = (release.jobs.release.steps as Array<{ run?: string }>).map((step) => step.run ?? '').join('\n');
    expect(release.on.push.tags).toEqual(['v[0-9]+.[0-9]+.[0-9]+']);
    expect(runs).toMatch(/npm run bundle\n\s*if ! git diff --quiet -- dist\//);
    expect(runs).toMatch(/git tag -f "\$major" "\$GITHUB_REF_NAME"/);
  });

  it.each(files)('%s parses without errors', (name) => {
    const content = readFileSync(`${WORKFLOWS}/${name}`, 'utf8');
    const result = parseWorkflow({ name, content }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().map((error) => error.message)).toEqual([]);
    expect(result.value).toBeDefined();
  });

  it.each(examples)('%s only passes inputs the action has', (name) => {
    const workflow = YAML.parse(readFileSync(`${WORKFLOWS}/${name}`, 'utf8'));
    const withs = Object.values(workflow.jobs as Record<string, { steps: Array<{ uses?: string; with?: object }> }>)
      .flatMap((job) => job.steps)
      .filter((step) => step.uses === './')
      .flatMap((step) => Object.keys(step.with ?? {}));
    expect(withs.length).toBeGreaterThan(0);
    for (const input of withs) expect(Object.keys(INPUTS), input).toContain(input);
  });
});

const EXAMPLES = '.github/examples';
const copyable = readdirSync(EXAMPLES).filter((name) => name.endsWith('.yml'));
const ACTION = 'OWNER/rerecord@v1';
type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
type Job = { if?: string; steps: Step[] };

describe('the workflows users copy (.github/examples/)', () => {
  it('there is one per ecosystem', () => {
    expect(copyable.sort()).toEqual(['rerecord-node.yml', 'rerecord-python.yml', 'rerecord-r.yml', 'rerecord-ruby.yml']);
  });

  it.each(copyable)('%s parses, uses the action by the one name the README uses, and passes only its inputs', (name) => {
    const content = readFileSync(`${EXAMPLES}/${name}`, 'utf8');
    const result = parseWorkflow({ name, content }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().map((error) => error.message)).toEqual([]);
    const jobs = Object.values(YAML.parse(content).jobs as Record<string, Job>);
    const ours = jobs.flatMap((job) => job.steps).filter((step) => step.uses?.includes('rerecord'));
    expect(ours.length).toBeGreaterThanOrEqual(2);
    for (const step of ours) {
      expect(step.uses).toBe(ACTION);
      for (const input of Object.keys(step.with ?? {})) expect(Object.keys(INPUTS), input).toContain(input);
    }
  });

  it.each(copyable)('%s runs as copied: no opt-in gate, and the publishing step is given a token', (name) => {
    const jobs = Object.values(YAML.parse(readFileSync(`${EXAMPLES}/${name}`, 'utf8')).jobs as Record<string, Job>);
    for (const job of jobs) expect(job.if ?? '').not.toMatch(/vars\./);
    const publishing = jobs.flatMap((job) => job.steps).filter((step) => step.with?.publish === 'pull-request');
    expect(publishing).toHaveLength(1);
    expect(String(publishing[0]!.with!.token)).toMatch(/^\$\{\{ secrets\.\w+ \}\}$/);
  });

  it('the Python example installs the pytest plugin its cassettes are named by', () => {
    expect(readFileSync(`${EXAMPLES}/rerecord-python.yml`, 'utf8')).toMatch(/pip install .*pytest-recording/);
  });

  it("the README names the action one way only, and points at the examples to copy", () => {
    const readme = readFileSync('README.md', 'utf8');
    const named = [...readme.matchAll(/uses: (\S*rerecord\S*)/g)].map((match) => match[1]);
    expect(named.length).toBeGreaterThan(0);
    expect(new Set(named)).toEqual(new Set([ACTION]));
    expect(readme).toContain('[.github/examples/](.github/examples/)');
  });
});

describe('action.yml', () => {
  it('follows the action metadata rules', () => {
    const content = readFileSync('action.yml', 'utf8');
    const result = parseAction({ name: 'action.yml', content }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().map((error) => error.message)).toEqual([]);
  });
});
