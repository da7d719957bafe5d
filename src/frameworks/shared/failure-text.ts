// A runner's first failure, quoted into a file's failure reason: one line, bounded (the full output
// stays in the failure report).

/** The longest a quoted failure may be in a reason. */
const MAX_FAILURE = 200;

export function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_FAILURE ? `${oneLine.slice(0, MAX_FAILURE - 1)}…` : oneLine;
}

/** Windows line ends as Unix ones, so that every runner's parser sees one kind. */
export function unixLines(output: string): string {
  return output.replaceAll('\r\n', '\n');
}
