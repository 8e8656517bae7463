/** Raw UDP exchanges with a server on loopback, for tests that send octets no client library would. */
import { createSocket } from 'node:dgram';

/** One message and its reply, from a socket bound to `from`; rejects after 2 s without one. */
export function udpExchange(port: number, msg: Buffer, from = '127.0.0.1'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => { s.close(); reject(new Error('no reply')); }, 2000);
    s.on('message', (m) => { clearTimeout(timer); s.close(); resolve(m); });
    s.bind(0, from, () => s.send(msg, port, '127.0.0.1'));
  });
}

/**
 * `n` messages (the i-th is `msg(i)`) sent as fast as the socket takes them
 * from one socket bound to `from`, a turn of the event loop every 50; then
 * `during` (another client's turn while the flood's replies still come),
 * then `settleMs` for the last replies. Every reply received, in order.
 */
export async function udpFlood(port: number, n: number, msg: (i: number) => Buffer, opts: { from?: string; during?: () => Promise<void>; settleMs?: number } = {}): Promise<Buffer[]> {
  const sock = createSocket('udp4');
  const replies: Buffer[] = [];
  sock.on('message', (m) => replies.push(m));
  await new Promise<void>((ok) => sock.bind(0, opts.from ?? '127.0.0.1', () => ok()));
  for (let i = 0; i < n; i++) {
    sock.send(msg(i), port, '127.0.0.1');
    if (i % 50 === 49) await new Promise((r) => setImmediate(r));
  }
  await opts.during?.();
  await new Promise((r) => setTimeout(r, opts.settleMs ?? 300));
  sock.close();
  return replies;
}

/** Replies with one answer record (ANCOUNT 1). */
export const answered = (replies: Buffer[]): number => replies.filter((m) => m.readUInt16BE(6) === 1).length;

/** One UDP socket used for a sequential stream of packets, replies matched by ID. */
export class UdpClient {
  readonly sock = createSocket('udp4');
  private waiting: { id: number; resolve: (b: Buffer | null) => void; timer: NodeJS.Timeout } | null = null;
  readonly unexpected: Buffer[] = [];
  constructor(private readonly port: number) {
    this.sock.on('message', (m) => {
      const w = this.waiting;
      if (w && m.length >= 2 && m.readUInt16BE(0) === w.id) {
        this.waiting = null;
        clearTimeout(w.timer);
        w.resolve(m);
      } else {
        this.unexpected.push(m);
      }
    });
  }
  async ready(): Promise<void> { await new Promise<void>((r) => this.sock.bind(0, '127.0.0.1', () => r())); }
  /** Sends; if a reply is due, waits for the one with the packet's ID (null on timeout). */
  roundtrip(pkt: Buffer, due: boolean, timeoutMs = 2000): Promise<Buffer | null> {
    return new Promise((resolve, reject) => {
      if (due) {
        const id = pkt.readUInt16BE(0);
        const timer = setTimeout(() => { this.waiting = null; resolve(null); }, timeoutMs);
        this.waiting = { id, resolve, timer };
      }
      this.sock.send(pkt, this.port, '127.0.0.1', (err) => {
        if (err) { if (this.waiting) { clearTimeout(this.waiting.timer); this.waiting = null; } reject(err); return; }
        if (!due) resolve(null);
      });
    });
  }
  close(): Promise<void> { return new Promise((r) => this.sock.close(() => r())); }
}
