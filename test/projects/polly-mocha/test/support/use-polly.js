// A setup helper: tests call usePolly() inside a describe, and Polly records each test of that
// describe as `<describe titles>/<test title>`.
'use strict';

const { setupMocha } = require('@pollyjs/core');
const { config, scrub } = require('./polly-config');

function usePolly() {
  setupMocha(config);
  beforeEach(function () {
    scrub(this.polly);
  });
}

module.exports = { usePolly };
