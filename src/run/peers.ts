// Which attempts run at the same time, and which cassettes each claims. Used to attribute a file
// nobody named (only safe when one attempt ran alone) and to catch two files that write the same
// cassette at once (a name computed at run time: the plan could not put them in one lane).
import { readJournal } from './journal.js';

interface Peer {
  id: number;
  file: string;
  claimed: Set<string>;
  /** The hook's live journal: read when asked, since the hook appends while its test runs. */
  journal: string | undefined;
  overlapped: Set<number>;
  running: boolean;
  /** Its test has ended, but what it touched is not yet kept or put back (and accepted by the tree watch). */
  settling: boolean;
  done: Promise<void>;
  finish: () => void;
}

export interface Conflict {
  cassette: string;
  files: string[];
  /** Whether any of the other files still runs (then the cassette is theirs to restore). */
  othersRunning: boolean;
}

export class AttemptPeers {
  private sequence = 0;
  private readonly peers = new Map<number, Peer>();
  /** Those still running, and those not yet settled: what a new or settling attempt looks at, never every attempt of the run. */
  private readonly running = new Set<number>();
  private readonly unsettled = new Set<number>();

  begin(file: string, cassettes: readonly string[], journal?: string): number {
    const id = ++this.sequence;
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const peer: Peer = { id, file, claimed: new Set(cassettes), journal, overlapped: new Set(), running: true, settling: true, done, finish };
    for (const otherId of this.running) {
      this.peers.get(otherId)!.overlapped.add(id);
      peer.overlapped.add(otherId);
    }
    this.peers.set(id, peer);
    this.running.add(id);
    this.unsettled.add(id);
    return id;
  }

  /** The hook's journal file, once the attempt has one: read live by its peers. */
  followJournal(id: number, journal: string): void {
    const peer = this.peers.get(id);
    if (peer?.running) peer.journal = journal;
  }

  /** Learned while running: the hook's journal names what the attempt touched. */
  claim(id: number, cassettes: Iterable<string>): void {
    const peer = this.peers.get(id);
    if (peer) for (const cassette of cassettes) peer.claimed.add(cassette);
  }

  end(id: number): void {
    const peer = this.peers.get(id);
    if (!peer) return;
    peer.running = false;
    this.running.delete(id);
    peer.journal = undefined;
    peer.finish();
  }

  /**
   * What the attempt touched is kept or put back, and the tree watch knows it: its cassettes are no
   * longer in flight. Until then they count as claimed for every attempt that looks (settling).
   */
  settled(id: number): void {
    const peer = this.peers.get(id);
    if (peer) peer.settling = false;
    this.unsettled.delete(id);
  }

  /** No other attempt ran at any moment of this one's life. */
  ranAlone(id: number): boolean {
    return (this.peers.get(id)?.overlapped.size ?? 0) === 0;
  }

  /** Files that ran alongside this one. */
  overlappingFiles(id: number): string[] {
    const peer = this.peers.get(id);
    return peer ? [...peer.overlapped].map((other) => this.peers.get(other)!.file) : [];
  }

  /**
   * Cassettes claimed (planned, or journaled so far) by attempts that ran alongside this one. With
   * `settling`, also by any attempt whose test ended but which has not yet kept or put back what it
   * touched, whenever it ran: a failed file's restore can land after a later file started.
   */
  async claimedByOthers(id: number, options: { settling?: boolean } = {}): Promise<Map<string, { files: string[]; running: boolean }>> {
    const peer = this.peers.get(id);
    const claims = new Map<string, { files: string[]; running: boolean }>();
    if (!peer) return claims;
    const settling = options.settling ? [...this.unsettled].filter((otherId) => otherId !== id && !peer.overlapped.has(otherId)) : [];
    for (const otherId of [...peer.overlapped, ...settling]) {
      const other = this.peers.get(otherId)!;
      const live = other.running && other.journal ? (await readJournal(other.journal)).map((entry) => entry.cassette) : [];
      for (const cassette of [...other.claimed, ...live]) {
        const claim = claims.get(cassette) ?? { files: [], running: false };
        if (!claim.files.includes(other.file)) claim.files.push(other.file);
        claim.running ||= other.running;
        claims.set(cassette, claim);
      }
    }
    return claims;
  }

  /** Cassettes this attempt touched that an overlapping attempt claimed too. */
  async conflicts(id: number, touched: readonly string[]): Promise<Conflict[]> {
    const claims = await this.claimedByOthers(id);
    return touched.flatMap((cassette) => {
      const claim = claims.get(cassette);
      return claim ? [{ cassette, files: claim.files, othersRunning: claim.running }] : [];
    });
  }

  /** Resolves once every attempt that ran alongside this one has finished: a retry then runs alone on those cassettes. */
  async overlappingDone(id: number): Promise<void> {
    const peer = this.peers.get(id);
    if (peer) await Promise.all([...peer.overlapped].map((other) => this.peers.get(other)!.done));
  }
}
