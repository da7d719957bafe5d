'use strict';
const assert = require('node:assert/strict');
const { setupMocha: sp } = require('@pollyjs/core');
const { config, scrub, getJson } = require('./support/polly-config');

describe('aliased setup', function () {
  sp(config);
  beforeEach(function () {
    scrub(this.polly);
  });

  it('lists the items', async function () {
    const { status, body } = await getJson('/items');
    assert.equal(status, 200);
    assert.equal(body.items.length, 3);
  });

  describe('users', function () {
    it('lists them', async function () {
      const { status, body } = await getJson('/users');
      assert.equal(status, 200);
      assert.equal(body.users[0].login, 'ada');
    });
  });
});
