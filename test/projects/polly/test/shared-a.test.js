'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { withRecording, getJson } = require('./helpers/polly');

// The 'status' recording is shared with shared-b.test.js.
test('status is ok', () =>
  withRecording('status', async () => {
    const { status, body } = await getJson('/status');
    assert.equal(status, 200);
    assert.equal(body.ok, true);
  }));
