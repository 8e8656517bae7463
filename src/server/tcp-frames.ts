/**
 * DNS messages out of a TCP byte stream (RFC 1035 §4.2.2: each message
 * after a two-octet length). Reassembly is linear in the octets received,
 * however the stream is cut: a chunk that starts on an empty buffer is kept
 * as it is, later ones are appended to a buffer that doubles as it fills
 * (a 64 KiB message sent an octet at a time is 64 Ki appends, not 64 Ki
 * copies of a growing buffer). Octets already handed out are never written
 * over, so a message returned by next() stays valid.
 */
const EMPTY: Buffer = Buffer.alloc(0);

export class FrameReader {
  private buf: Buffer = EMPTY;
  private head = 0;
  private tail = 0;

  /** Octets buffered and not yet read. */
  get length(): number {
    return this.tail - this.head;
  }

  push(chunk: Buffer): void {
    if (!chunk.length) return;
    if (this.head === this.tail) {
      this.buf = chunk;
      this.head = 0;
      this.tail = chunk.length;
      return;
    }
    // Room after the tail exists only in a buffer made here (a kept chunk ends where its data does).
    if (this.tail + chunk.length > this.buf.length) {
      const live = this.tail - this.head;
      const next = Buffer.allocUnsafe(Math.max(4096, 2 * (live + chunk.length)));
      this.buf.copy(next, 0, this.head, this.tail);
      this.buf = next;
      this.head = 0;
      this.tail = live;
    }
    chunk.copy(this.buf, this.tail);
    this.tail += chunk.length;
  }

  /** The length prefix of the message at `at` octets after the head, or -1 if it is not all buffered. */
  private lengthAt(at: number): number {
    const o = this.head + at;
    return o + 2 <= this.tail ? this.buf.readUInt16BE(o) : -1;
  }

  /** True when the next message is whole in the buffer. */
  get ready(): boolean {
    const len = this.lengthAt(0);
    return len >= 0 && this.length >= 2 + len;
  }

  /** True when octets of a message are buffered but not all of them (the client has more to send). */
  get partial(): boolean {
    return this.length > 0 && !this.ready;
  }

  /** The next whole message (without its length), or undefined. */
  next(): Buffer | undefined {
    const len = this.lengthAt(0);
    if (len < 0 || this.length < 2 + len) return undefined;
    const msg = this.buf.subarray(this.head + 2, this.head + 2 + len);
    this.head += 2 + len;
    if (this.head === this.tail) this.clear();
    return msg;
  }

  /**
   * Keeps the first `maxMessages` whole messages, and no more than
   * `maxBytes` octets (a message that would cross it is not kept, nor
   * anything after it), and returns a copy of the rest, taken out of the
   * buffer, for the caller to give back to the socket; `messages` is how
   * many whole messages are kept.
   */
  keepAtMost(maxMessages: number, maxBytes: number): { rest?: Buffer; messages: number } {
    let at = 0, n = 0;
    while (at < this.length) {
      if (n === maxMessages || at + 2 > maxBytes) break;
      const len = this.lengthAt(at);
      if (len < 0) { this.compact(); return { messages: n }; }
      const end = at + 2 + len;
      if (end > maxBytes) break;
      if (end > this.length) { this.compact(); return { messages: n }; }
      at = end;
      n++;
    }
    if (at >= this.length) { this.compact(); return { messages: n }; }
    // Both parts are copied, each to its size: a view would keep the whole read it came from (a socket
    // reads into 64 KiB), which is most of what a connection that waits would hold.
    const rest = Buffer.from(this.buf.subarray(this.head + at, this.tail));
    this.tail = this.head + at;
    if (this.head === this.tail) { this.clear(); return { rest, messages: n }; }
    this.buf = Buffer.from(this.buf.subarray(this.head, this.tail));
    this.head = 0;
    this.tail = this.buf.length;
    return { rest, messages: n };
  }

  /**
   * Copies what is kept into a buffer of its size when it is a small part
   * of a large one (a 64 KiB read of which a few queries are held): a
   * connection that waits then holds what it keeps, not the whole read.
   */
  private compact(): void {
    const live = this.tail - this.head;
    if (this.buf.length <= 4096 || live * 2 > this.buf.length) return;
    this.buf = Buffer.from(this.buf.subarray(this.head, this.tail));
    this.head = 0;
    this.tail = live;
  }

  private clear(): void {
    this.buf = EMPTY;
    this.head = 0;
    this.tail = 0;
  }
}
