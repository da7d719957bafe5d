// The one Octokit factory: every REST call rerecord makes goes through a client built here, with
// the API root the runner context read (GitHub Enterprise Server and the tests' stand-in included).
import { getOctokit } from '@actions/github';

export type Octokit = ReturnType<typeof getOctokit>;

export interface ApiAccess {
  token: string;
  /** REST API root: the runner's GITHUB_API_URL, else api.github.com (RunnerContext.apiUrl). */
  apiUrl: string;
}

export function octokitFor(access: ApiAccess): Octokit {
  return getOctokit(access.token, { baseUrl: access.apiUrl.replace(/\/+$/, '') });
}
