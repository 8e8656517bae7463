/**
 * The TCP listener (RFC 7766) on dns2's TCP server class, with a bound on
 * everything a client can make it hold:
 * - two timers, as Knot keeps them: an idle timeout between messages, and
 *   an I/O timeout within which a message that has started must arrive
 *   whole (a client that trickles an octet at a time is cut off there, not
 *   kept alive by each octet), and a client that stops reading its answers
 *   is cut off after the idle timeout;
 * - a table of connections with a total and a per-client bound (an address,
 *   or a /64 for IPv6): a newcomer over either bound takes the place of the
 *   connection idle longest, or else of the slowest to send its message,
 *   and is refused only when every connection is working;
 * - output: after a reply the socket cannot take at once, nothing more is
 *   answered until it drains; input: while answering waits (on a transfer
 *   or a full socket) at most `heldMessages` / `heldBytes` of queries are
 *   kept, the rest is given back to the socket, which is no longer read.
 */
import type { Server, Socket } from 'node:net';
import dns2 from 'dns2';
import type { FailureLog } from './failures.js';
import { FrameReader } from './tcp-frames.js';
import type { Handler, Stream } from './transport.js';
import { networkKey } from '../wire/address.js';

export interface TcpLimits {
  /** RFC 7766 §6.2.3: close connections idle this long (and those whose client has not read for this long). */
  idleTimeoutMs: number;
  /** A message that has started must arrive whole within this. */
  ioTimeoutMs: number;
  maxConnections: number;
  /** Connections one client (an address; a /64 for IPv6) may hold. */
  maxPerClient: number;
  /** Queries held while answering waits, per connection: beyond either bound the socket is paused (TCP backpressure does the rest). */
  heldMessages: number;
  heldBytes: number;
}

/** Why connections were closed by the server, counted since it started. */
export interface TcpClosed {
  idle: number;
  /** A started message did not arrive whole within the I/O timeout. */
  io: number;
  /** The client did not read its answers within the idle timeout. */
  unread: number;
  /** Closed to make room for a newcomer. */
  evicted: number;
  /** A newcomer refused: every connection was working. */
  refused: number;
}

/** What the TCP listener holds now, and the most it ever held on one connection (tests, metrics). */
export interface TcpStats {
  connections: number;
  transfers: number;
  held: { messages: number; bytes: number };
  heldMax: { messages: number; bytes: number };
  /** Times a connection stopped being read because its held queries reached a bound. */
  pauses: number;
  closed: TcpClosed;
}

/** One connection's state. */
interface Conn {
  socket: Socket;
  client: string;
  reader: FrameReader;
  /** A transfer is being written; later queries are held. */
  busy: boolean;
  /** stop() was called: end after the transfer's last message, answer nothing new. */
  closing: boolean;
  /** When a write found the socket full (0: it is not); nothing more is answered until it drains. */
  unreadSince: number;
  /** When the message now arriving started (0: none is in progress). */
  startedAt: number;
  /** When the last message was taken or answer written (the idle timer's start). */
  activeAt: number;
  heldMessages: number;
  heldBytes: number;
}

/** How often the timers are looked at: their precision. */
const SWEEP_MS = 250;

/** The client a connection counts against: its address, or its /64 for IPv6 (one site's usual allocation). */
const clientOf = (address: string): string => networkKey(address, 32, 64);

// dns2's typings omit the TCP server's options and its per-connection `handle`.
const TcpServerBase = dns2.TCPServer as unknown as new (opts: { idleTimeout: number }) => Server & { handle(socket: Socket): void };

export class TcpListener extends TcpServerBase {
  private readonly conns = new Map<Socket, Conn>();
  private readonly perClient = new Map<string, number>();
  private readonly max = { messages: 0, bytes: 0, pauses: 0 };
  private readonly closed: TcpClosed = { idle: 0, io: 0, unread: 0, evicted: 0, refused: 0 };
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly onMessage: Handler, private readonly failures: FailureLog, private readonly limits: TcpLimits) {
    super({ idleTimeout: limits.idleTimeoutMs });
  }

  stats(): TcpStats {
    const s: TcpStats = { connections: this.conns.size, transfers: 0, held: { messages: 0, bytes: 0 }, heldMax: { messages: this.max.messages, bytes: this.max.bytes }, pauses: this.max.pauses, closed: { ...this.closed } };
    for (const c of this.conns.values()) {
      if (c.busy) s.transfers++;
      s.held.messages += c.heldMessages;
      s.held.bytes += c.heldBytes;
    }
    return s;
  }

  /**
   * For stop(): idle connections are ended now (answers already written are
   * flushed before the FIN); one with a transfer running is ended after the
   * transfer's last message, and the queries held behind it are not answered.
   */
  endConnections(): void {
    for (const [socket, c] of this.conns) {
      c.closing = true;
      if (!c.busy) socket.end();
    }
  }

  /** Makes room for a newcomer of `client`: false when there is none to make. */
  private admit(client: string): boolean {
    const full = this.conns.size >= this.limits.maxConnections;
    const own = (this.perClient.get(client) ?? 0) >= this.limits.maxPerClient;
    if (!full && !own) return true;
    // Over the client's own bound, one of its connections gives way; over the total, any.
    const victim = this.victim(own ? (c) => c.client === client : () => true);
    if (!victim) { this.closed.refused++; return false; }
    this.closed.evicted++;
    victim.socket.destroy();
    this.forget(victim);
    return true;
  }

  /** The connection idle longest, else the one whose message has been arriving longest; never one at work. */
  private victim(among: (c: Conn) => boolean): Conn | undefined {
    let idle: Conn | undefined, slow: Conn | undefined;
    for (const c of this.conns.values()) {
      // An answer still being written is not cut off either.
      if (!among(c) || c.busy || c.unreadSince || c.reader.ready || c.socket.writableLength > 0) continue;
      if (c.startedAt) { if (!slow || c.startedAt < slow.startedAt) slow = c; } else if (!idle || c.activeAt < idle.activeAt) idle = c;
    }
    return idle ?? slow;
  }

  private forget(c: Conn): void {
    if (!this.conns.delete(c.socket)) return;
    const n = (this.perClient.get(c.client) ?? 1) - 1;
    if (n > 0) this.perClient.set(c.client, n); else this.perClient.delete(c.client);
    if (!this.conns.size && this.sweeper) { clearInterval(this.sweeper); this.sweeper = undefined; }
  }

  /** The timers of every connection, looked at every SWEEP_MS. */
  private sweep(): void {
    const now = Date.now();
    for (const c of [...this.conns.values()]) {
      let why: keyof TcpClosed | undefined;
      if (c.unreadSince) { if (now - c.unreadSince > this.limits.idleTimeoutMs) why = 'unread'; } else if (c.busy) continue;
      else if (c.startedAt) { if (now - c.startedAt > this.limits.ioTimeoutMs) why = 'io'; } else if (!c.reader.length && now - c.activeAt > this.limits.idleTimeoutMs) why = 'idle';
      if (!why) continue;
      this.closed[why]++;
      c.socket.destroy();
      this.forget(c);
    }
  }

  /**
   * RFC 1035 §4.2.2 framing, pipelined (RFC 7766 §6.2.1.1), with
   * backpressure. Messages are answered in order; a transfer's messages
   * are written one per turn of the event loop (so UDP and other
   * connections are answered in between), waiting for 'drain' whenever the
   * socket's buffer is full, and the connection's next queries wait for it.
   */
  override handle(socket: Socket): void {
    const client = clientOf(socket.remoteAddress ?? '?');
    socket.on('error', () => socket.destroy());
    if (!this.admit(client)) { socket.destroy(); return; }
    socket.setNoDelay(true);
    const now = Date.now();
    const c: Conn = { socket, client, reader: new FrameReader(), busy: false, closing: false, unreadSince: 0, startedAt: 0, activeAt: now, heldMessages: 0, heldBytes: 0 };
    this.conns.set(socket, c);
    this.perClient.set(client, (this.perClient.get(client) ?? 0) + 1);
    this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS).unref();
    socket.once('close', () => this.forget(c));
    const peer = socket.remoteAddress ?? '?';
    let peerEnded = false;
    const write = (reply: Buffer): boolean => {
      const frame = Buffer.allocUnsafe(2 + reply.length);
      frame.writeUInt16BE(reply.length, 0);
      reply.copy(frame, 2);
      c.activeAt = Date.now();
      return socket.write(frame);
    };
    // The client's FIN (or stop()) ends our side once nothing is left to write.
    const finish = (): void => { if ((peerEnded || c.closing) && !c.busy && !c.unreadSince && !socket.destroyed) socket.end(); };
    /** The message now arriving: its I/O timer runs from its first octet until it is whole. */
    const arriving = (): void => { c.startedAt = c.reader.partial ? c.startedAt || Date.now() : 0; };
    const stream = async (s: Stream): Promise<void> => {
      c.busy = true;
      try {
        let full = !write(s.first);
        for (;;) {
          if (full) { c.unreadSince ||= Date.now(); await drained(socket); c.unreadSince = 0; } else await new Promise<void>((r) => setImmediate(r));
          if (socket.destroyed) throw new Error('connection closed during the transfer');
          const next = s.rest.next();
          if (next.done) break;
          full = !write(next.value);
        }
        s.done();
      } catch (err) {
        s.done(err);
        socket.destroy();
      } finally {
        c.busy = false;
      }
      if (socket.destroyed) return;
      if (c.closing) { finish(); return; }
      resume();
    };
    /** Answers what is whole, in order, until answering has to wait. */
    const work = (): void => {
      while (!c.busy && !c.unreadSince && !c.closing) {
        const msg = c.reader.next();
        if (!msg) break;
        // The message that follows starts its own I/O timer (arriving()), from now at the earliest.
        c.startedAt = 0;
        c.activeAt = Date.now();
        let reply: Buffer | Stream | null = null;
        try {
          reply = this.onMessage(msg, 'tcp', peer);
        } catch (err) {
          this.failures.report('handler', { err, peer, transport: 'tcp' }, 'query handler failed');
        }
        if (!reply || socket.destroyed) continue;
        if (!Buffer.isBuffer(reply)) { void stream(reply); break; }
        if (!write(reply)) c.unreadSince = Date.now();
      }
      arriving();
      hold();
    };
    /** Answering may go on (a transfer ended, the socket drained): read again and answer what was held. */
    const resume = (): void => {
      if (socket.destroyed) return;
      socket.resume();
      work();
      finish();
    };
    /**
     * While answering waits: keep at most the bounds' worth of whole
     * messages, give the rest back to the socket and stop reading it.
     */
    const hold = (): void => {
      if (!c.busy && !c.unreadSince) { c.heldMessages = 0; c.heldBytes = 0; return; }
      const { rest, messages } = c.reader.keepAtMost(this.limits.heldMessages, this.limits.heldBytes);
      // A stream cannot take bytes back after its 'end'; by then all it had is here.
      if (rest && !socket.readableEnded) {
        // Paused first: unshift() on a flowing socket would emit the bytes straight back to us.
        socket.pause();
        socket.unshift(rest);
        this.max.pauses++;
      } else if (rest) {
        c.reader.push(rest);
      }
      c.heldMessages = messages;
      c.heldBytes = c.reader.length;
      if (messages > this.max.messages) this.max.messages = messages;
      if (c.reader.length > this.max.bytes) this.max.bytes = c.reader.length;
    };
    socket.on('drain', () => { if (c.unreadSince && !c.busy) { c.unreadSince = 0; resume(); } });
    socket.on('data', (chunk: Buffer) => {
      // Stopping: nothing new is answered, so nothing new is kept.
      if (c.closing && !c.busy) return;
      c.reader.push(chunk);
      work();
    });
    socket.on('end', () => { peerEnded = true; finish(); });
  }
}

/** Resolves when the socket can take more, or it closed (the caller checks which). */
function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { socket.off('drain', done); socket.off('close', done); resolve(); };
    socket.once('drain', done);
    socket.once('close', done);
  });
}
