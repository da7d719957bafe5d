import assert from 'node:assert/strict';
import { setupMocha as setupPolly } from '@pollyjs/core';
import helpers from './support/polly-config.js';

const { config, scrub, getJson } = helpers;

describe('esm import', function () {
  setupPolly(config);
  beforeEach(function () {
    scrub(this.polly);
  });

  it('reads item three', async function () {
    const { status, body } = await getJson('/items/3');
    assert.equal(status, 200);
    assert.equal(body.item.name, 'gamma');
  });
});
