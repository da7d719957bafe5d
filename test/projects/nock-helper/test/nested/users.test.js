'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { nockBack, backOptions, getJson } = require('../support/nock-setup');

test('lists the users', async () => {
  const { nockDone } = await nockBack('users.json', backOptions);
  try {
    const { status, body } = await getJson('/users');
    assert.equal(status, 200);
    assert.equal(body.users[0].login, 'ada');
  } finally {
    nockDone();
  }
});
