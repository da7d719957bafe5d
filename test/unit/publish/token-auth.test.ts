import { describe, expect, it } from 'vitest';
import { tokenAuthEnv } from '../../../src/publish/git.js';

describe('tokenAuthEnv', () => {
  it("replaces checkout's stored header for the server with the token's, through the environment only", () => {
    const env = tokenAuthEnv('ghp_example', 'https://github.example.com/');
    expect(env).toEqual({
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_0: 'http.https://github.example.com/.extraheader',
      GIT_CONFIG_VALUE_0: '',
      GIT_CONFIG_KEY_1: 'http.https://github.example.com/.extraheader',
      GIT_CONFIG_VALUE_1: `AUTHORIZATION: basic ${Buffer.from('x-access-token:ghp_example').toString('base64')}`,
    });
  });
});
