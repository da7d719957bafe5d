'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { withFixture, getJson } = require('./helpers/api');

// status.json is shared with shared-b.test.js.
test('status is ok', () =>
  withFixture('status.json', async () => {
    const { status, body } = await getJson('/status');
    assert.equal(status, 200);
    assert.equal(body.ok, true);
  }));
