// ESM on purpose: Polly comes in through `import { Polly } from '@pollyjs/core'` and is used
// directly, with a nested recording name (a folder per `/`-separated part).
import test from 'node:test';
import assert from 'node:assert/strict';
import { Polly } from '@pollyjs/core';
import helpers from './helpers/polly.js';

test('lists the users', async () => {
  const polly = helpers.scrub(new Polly('users/list', { ...helpers.pollyOptions, mode: 'replay' }));
  try {
    const { status, body } = await helpers.getJson('/users');
    assert.equal(status, 200);
    assert.equal(typeof body.generation, 'string');
    assert.deepEqual(body.users.map((user) => user.login), ['ada', 'grace']);
  } finally {
    await polly.stop();
  }
});
