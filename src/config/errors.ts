/** Every bad input found, reported at once: a user fixes them all in one go, not one per run. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} problems with the inputs:\n- ${problems.join('\n- ')}`);
    this.name = 'ConfigError';
  }
}
