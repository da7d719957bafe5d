'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { withFixture, getJson } = require('./helpers/api');

// The recorded fixture is healthy; the live API now answers 500, so re-recording this file fails.
test('boom endpoint answers', () =>
  withFixture('boom.json', async () => {
    const { status, body } = await getJson('/boom');
    assert.equal(status, 200);
    assert.equal(body.ok, true);
  }));
