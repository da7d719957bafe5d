'use strict';
const assert = require('node:assert/strict');
const { usePolly: withPolly } = require('./support/use-polly');
const { getJson } = require('./support/polly-config');

describe('through a helper', function () {
  withPolly();

  it('reads the status', async function () {
    const { status, body } = await getJson('/status');
    assert.equal(status, 200);
    assert.equal(body.ok, true);
  });
});
