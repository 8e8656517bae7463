/**
 * UDP and TCP listeners on dns2's socket classes. dns2's own handlers parse
 * every message with its Packet class (slow, and lossy for long TXT and
 * non-ASCII names), so both are overridden to hand raw bytes to our decoder.
 * Nothing thrown by a handler leaves this file: a failing query is logged and
 * dropped, never allowed to take the process down.
 */
import type { RemoteInfo } from 'node:dgram';
import type { Server, Socket } from 'node:net';
import dns2 from 'dns2';
import type { Logger } from 'pino';
import type { FailureLog } from './failures.js';

export type Transport = 'udp' | 'tcp';

/** A reply of many messages (a zone transfer): sent in order, one per turn of the event loop. */
export interface Stream {
  first: Buffer;
  rest: Iterator<Buffer>;
  /** Told how it ended: every message sent, or the error (a broken connection, a failing producer). */
  done(err?: unknown): void;
}

/** Bytes in, bytes out (null: send nothing). May throw; the listener contains it. */
export type Handler = (msg: Buffer, transport: Transport, peer: string) => Buffer | Stream | null;

export interface TcpLimits {
  /** RFC 7766 §6.2.3: close connections idle this long. */
  idleTimeoutMs: number;
  maxConnections: number;
  /** Queries held behind a running transfer, per connection: beyond either bound the socket is paused (TCP backpressure does the rest). */
  heldMessages: number;
  heldBytes: number;
}

/** What the TCP listener holds now, and the most it ever held on one connection (tests, metrics). */
export interface TcpStats {
  connections: number;
  transfers: number;
  held: { messages: number; bytes: number };
  heldMax: { messages: number; bytes: number };
  /** Times a connection stopped being read because its held queries reached a bound. */
  pauses: number;
}

/** One connection's state, as stop() and tcpStats() need it. */
interface Conn {
  /** A transfer is being written; later queries are held. */
  busy: boolean;
  /** stop() was called: end after the transfer's last message, answer nothing new. */
  closing: boolean;
  heldMessages: number;
  heldBytes: number;
}

export class UdpListener extends dns2.UDPServer {
  constructor(family: 'udp4' | 'udp6', private readonly onMessage: Handler, private readonly log: Logger, private readonly failures: FailureLog) {
    // IPV6_V6ONLY (as NSD and Knot set it): [::]:53 takes IPv6 only, so 0.0.0.0:53 can be
    // listed beside it. dns2 hands its `type` to dgram.Socket as it is, and dgram takes options there.
    super({ type: { type: family, ipv6Only: family === 'udp6' } as unknown as 'udp4' | 'udp6' });
  }

  override handle(data: Buffer, rinfo: RemoteInfo): void {
    try {
      const out = this.onMessage(data, 'udp', rinfo.address);
      // Streams are for TCP; the responder never makes one for UDP.
      const reply = out && !Buffer.isBuffer(out) ? (out.done(new Error('a stream over UDP')), null) : out;
      if (reply) this.send(reply, rinfo.port, rinfo.address, (err) => { if (err) this.log.debug({ err }, 'udp send failed'); });
    } catch (err) {
      this.failures.report('handler', { err, peer: rinfo.address, transport: 'udp' }, 'query handler failed');
    }
  }
}

// dns2's typings omit the TCP server's options and its per-connection `handle`.
const TcpServerBase = dns2.TCPServer as unknown as new (opts: { idleTimeout: number }) => Server & { handle(socket: Socket): void };

export class TcpListener extends TcpServerBase {
  private readonly conns = new Map<Socket, Conn>();
  private readonly max = { messages: 0, bytes: 0, pauses: 0 };

  constructor(private readonly onMessage: Handler, private readonly failures: FailureLog, private readonly limits: TcpLimits) {
    super({ idleTimeout: limits.idleTimeoutMs });
    this.maxConnections = limits.maxConnections;
  }

  stats(): TcpStats {
    const s: TcpStats = { connections: this.conns.size, transfers: 0, held: { messages: 0, bytes: 0 }, heldMax: { messages: this.max.messages, bytes: this.max.bytes }, pauses: this.max.pauses };
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

  /**
   * RFC 1035 §4.2.2 framing, pipelined (RFC 7766 §6.2.1.1), with
   * backpressure. Messages are answered in order; a transfer's messages
   * are written one per turn of the event loop (so UDP and other
   * connections are answered in between), waiting for 'drain' whenever the
   * socket's buffer is full, and the connection's next queries wait for it:
   * at most `heldMessages` / `heldBytes` of them are taken off the socket,
   * the rest go back to it and reading stops until the transfer ends.
   */
  override handle(socket: Socket): void {
    socket.setNoDelay(true);
    socket.setTimeout(this.limits.idleTimeoutMs);
    socket.on('timeout', () => socket.destroy());
    socket.on('error', () => socket.destroy());
    const c: Conn = { busy: false, closing: false, heldMessages: 0, heldBytes: 0 };
    this.conns.set(socket, c);
    socket.once('close', () => this.conns.delete(socket));
    socket.on('drain', () => { if (!c.busy) socket.resume(); });
    const peer = socket.remoteAddress ?? '?';
    let pending: Buffer = Buffer.alloc(0);
    let peerEnded = false;
    const write = (reply: Buffer): boolean => {
      const frame = Buffer.allocUnsafe(2 + reply.length);
      frame.writeUInt16BE(reply.length, 0);
      reply.copy(frame, 2);
      return socket.write(frame);
    };
    // The client's FIN (or stop()) ends our side once nothing is left to write.
    const finish = (): void => { if ((peerEnded || c.closing) && !c.busy && !socket.destroyed) socket.end(); };
    const stream = async (s: Stream): Promise<void> => {
      c.busy = true;
      try {
        let full = !write(s.first);
        for (;;) {
          if (full) await drained(socket);
          else await new Promise<void>((r) => setImmediate(r));
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
      hold(Buffer.alloc(0));
      socket.resume();
      work();
      finish();
    };
    const work = (): void => {
      while (!c.busy && !c.closing && pending.length >= 2) {
        const len = pending.readUInt16BE(0);
        if (pending.length < 2 + len) break;
        const msg = pending.subarray(2, 2 + len);
        pending = pending.subarray(2 + len);
        let reply: Buffer | Stream | null = null;
        try {
          reply = this.onMessage(msg, 'tcp', peer);
        } catch (err) {
          this.failures.report('handler', { err, peer, transport: 'tcp' }, 'query handler failed');
        }
        if (!reply || socket.destroyed) continue;
        if (!Buffer.isBuffer(reply)) { void stream(reply); hold(Buffer.alloc(0)); return; }
        if (!write(reply)) socket.pause();
      }
    };
    /**
     * While a transfer runs: keep at most the bounds' worth of whole
     * messages (and a partial one after them), give the rest back to the
     * socket and stop reading it.
     */
    const hold = (chunk: Buffer): void => {
      if (chunk.length) pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      if (!c.busy) { c.heldMessages = 0; c.heldBytes = 0; return; }
      const { heldMessages: maxN, heldBytes: maxB } = this.limits;
      let o = 0, n = 0, over = false;
      while (o < pending.length) {
        if (n === maxN || o + 2 > maxB) { over = true; break; }
        if (o + 2 > pending.length) { o = pending.length; break; }
        const end = o + 2 + pending.readUInt16BE(o);
        if (end > maxB) { over = true; break; }
        if (end > pending.length) { o = pending.length; break; }
        o = end;
        n++;
      }
      // A stream cannot take bytes back after its 'end'; by then all it had is here.
      if (over && !socket.readableEnded) {
        // Paused first: unshift() on a flowing socket would emit the bytes straight back to us.
        socket.pause();
        socket.unshift(pending.subarray(o));
        pending = pending.subarray(0, o);
        this.max.pauses++;
      }
      c.heldMessages = n;
      c.heldBytes = pending.length;
      if (n > this.max.messages) this.max.messages = n;
      if (pending.length > this.max.bytes) this.max.bytes = pending.length;
    };
    socket.on('data', (chunk: Buffer) => {
      // Stopping: nothing new is answered, so nothing new is kept.
      if (c.closing && !c.busy) return;
      if (c.busy) { hold(chunk); return; }
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
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
