'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { withRecording, getJson } = require('./helpers/polly');

// The recording is healthy; the live API now answers 500, so re-recording this file fails.
test('boom endpoint answers', () =>
  withRecording('boom', async () => {
    const { status, body } = await getJson('/boom');
    assert.equal(status, 200);
    assert.equal(body.ok, true);
  }));
