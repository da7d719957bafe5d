// Keeps only the last bytes of a child's output: enough to explain a failure, never unbounded.
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  private dropped = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - (this.chunks[0]?.length ?? 0) >= this.limit && this.chunks.length > 1) {
      const first = this.chunks.shift()!;
      this.size -= first.length;
      this.dropped += first.length;
    }
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    const cut = Math.max(0, all.length - this.limit);
    const dropped = this.dropped + cut;
    const body = all.subarray(cut).toString('utf8');
    return dropped > 0 ? `[... ${dropped} earlier bytes not kept ...]\n${body}` : body;
  }
}
