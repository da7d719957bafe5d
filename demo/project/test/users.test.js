'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { withFixture, getJson } = require('./helpers/api');

test('lists the users', () =>
  withFixture('users.json', async () => {
    const { status, body } = await getJson('/users');
    assert.equal(status, 200);
    assert.equal(typeof body.generation, 'string');
    assert.deepEqual(body.users.map((user) => user.login), ['ada', 'grace']);
  }));
