// Where messages go: the Actions log (with annotations) or the CLI's stderr. Both redact secrets.
import type { Redactor } from './redact.js';

export interface Annotation {
  title: string;
  file?: string;
  startLine?: number;
}

export interface Logger {
  info(message: string): void;
  warning(message: string, annotation?: Annotation): void;
  error(message: string, annotation?: Annotation): void;
}

export function stderrLogger(redactor: Redactor, stream: NodeJS.WritableStream = process.stderr): Logger {
  const write = (prefix: string, message: string) => stream.write(`${prefix}${redactor.redact(message)}\n`);
  return {
    info: (message) => write('', message),
    warning: (message, annotation) => write(`warning${annotation?.file ? ` ${annotation.file}` : ''}: `, message),
    error: (message, annotation) => write(`error${annotation?.file ? ` ${annotation.file}` : ''}: `, message),
  };
}
