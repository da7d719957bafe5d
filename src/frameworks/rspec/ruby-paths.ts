// `cassette_library_dir = ...` in a helper file: the common spellings, resolved against the
// project root (VCR's cwd), or undefined when it is anything else.
import path from 'node:path';
import { closing, splitTopLevel, tokenize, type Token } from './ruby-lexer.js';

function only(values: string[] | undefined): string | undefined {
  return values?.length === 1 ? values[0] : undefined;
}


export function cassetteLibraryDir(source: string, file: string): string | undefined {
  const tokens = tokenize(source);
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]!.text !== 'cassette_library_dir' || tokens[i + 1]?.text !== '=') continue;
    let end = i + 2;
    let depth = 0;
    for (; end < tokens.length; end++) {
      const t = tokens[end]!;
      if (t.kind === 'punct' && ['(', '[', '{'].includes(t.text)) depth++;
      else if (t.kind === 'punct' && [')', ']', '}'].includes(t.text) && --depth < 0) break;
      else if (depth === 0 && (t.kind === 'nl' || t.text === ';' || t.text === 'end')) break;
    }
    const evaluator = new PathEvaluator(tokens.slice(i + 2, end), file);
    const value = evaluator.expression();
    if (value === undefined || !evaluator.done() || path.posix.isAbsolute(value)) continue;
    const dir = path.posix.normalize(value);
    if (dir === '..' || dir.startsWith('../')) continue;
    return dir.replace(/\/$/, '') || '.';
  }
  return undefined;
}

/**
 * Evaluates path expressions to project-relative paths: string literals, `__dir__`, `__FILE__`,
 * `File.join/expand_path/dirname`, `Rails.root(.join)`, `Pathname.new`, `Dir.pwd`, `"#{__dir__}/x"`, `.to_s`.
 */
class PathEvaluator {
  private at = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly file: string,
  ) {}

  done(): boolean {
    return this.at === this.tokens.length;
  }

  expression(): string | undefined {
    let value = this.primary();
    while (value !== undefined && this.peek('.')) {
      this.at++;
      const method = this.tokens[this.at++]?.text;
      if (method === 'to_s' || method === 'to_path' || method === 'freeze' || method === 'expand_path') continue;
      if (method === 'join') {
        const args = this.arguments();
        value = args === undefined ? undefined : path.posix.join(value, ...args);
      } else if (method === 'dirname' || method === 'parent') value = path.posix.dirname(value);
      else return undefined;
    }
    return value;
  }

  private primary(): string | undefined {
    const token = this.tokens[this.at++];
    if (!token) return undefined;
    if (token.kind === 'string') {
      const value = token.value ?? this.interpolated(token);
      return value?.startsWith('~') ? undefined : value;
    }
    if (token.text === '__dir__') return this.here();
    if (token.text === '__FILE__') return this.file;
    if (token.kind !== 'const') return undefined;
    if (token.text === 'Pathname' && this.peek('(')) return only(this.arguments());
    if (!this.peek('.')) return undefined;
    this.at++;
    const method = `${token.text}.${this.tokens[this.at++]?.text ?? ''}`;
    if (method === 'Rails.root' || method === 'Dir.pwd') return '';
    const args = this.arguments();
    if (!args) return undefined;
    if (method === 'Pathname.new') return only(args);
    if (method === 'File.join') return path.posix.join(...args);
    if (method === 'File.dirname') return only(args) === undefined ? undefined : path.posix.dirname(args[0]!);
    if (method === 'File.expand_path' && args.length === 1) return args[0];
    // expand_path(name, dir): name against dir, unless name is absolute already.
    if (method === 'File.expand_path' && args.length === 2) return path.posix.isAbsolute(args[0]!) ? args[0] : path.posix.join(args[1]!, args[0]!);
    return undefined;
  }

  /** `(a, b)`: each evaluated; undefined when one cannot be. */
  private arguments(): string[] | undefined {
    if (!this.peek('(')) return undefined;
    const close = closing(this.tokens, this.at);
    const values: string[] = [];
    for (const arg of splitTopLevel(this.tokens.slice(this.at + 1, close))) {
      const inner = new PathEvaluator(arg, this.file);
      const value = inner.expression();
      if (value === undefined || !inner.done()) return undefined;
      values.push(value);
    }
    this.at = close + 1;
    return values;
  }

  /** `"#{__dir__}/cassettes"` and friends. */
  private interpolated(token: Token): string | undefined {
    if (token.raw === undefined) return undefined;
    let failed = false;
    const value = token.raw.replace(/#\{([^}]*)\}/g, (_, code: string) => {
      const inner = new PathEvaluator(tokenize(code), this.file);
      const part = inner.expression();
      if (part === undefined || !inner.done()) failed = true;
      return part === '' ? '.' : (part ?? '');
    });
    return failed || value.includes('#{') ? undefined : value;
  }

  private here(): string {
    return path.posix.dirname(this.file);
  }

  private peek(text: string): boolean {
    const token = this.tokens[this.at];
    return token?.kind === 'punct' && token.text === text;
  }
}
