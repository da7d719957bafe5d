// ESM on purpose: nock comes in through `import nock from 'nock'` and nock.back is called directly.
// (`import { back } from 'nock'` is a SyntaxError with nock 14: it has no detectable named exports.)
import test from 'node:test';
import assert from 'node:assert/strict';
import nock from 'nock';
import api from './helpers/api.js';

test('lists the users', async () => {
  const { nockDone } = await nock.back('users.json', api.backOptions);
  try {
    const { status, body } = await api.getJson('/users');
    assert.equal(status, 200);
    assert.equal(typeof body.generation, 'string');
    assert.deepEqual(body.users.map((user) => user.login), ['ada', 'grace']);
  } finally {
    nockDone();
  }
});
