'use strict';
const assert = require('node:assert/strict');
require('./support/maybe-polly');
const { getJson } = require('./support/polly-config');

describe('conditional setup', function () {
  it('reads item one', async function () {
    const { status, body } = await getJson('/items/1');
    assert.equal(status, 200);
    assert.equal(body.item.name, 'alpha');
  });
});
