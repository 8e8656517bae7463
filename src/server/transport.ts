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
  constructor(private readonly onMessage: Handler, private readonly failures: FailureLog, private readonly limits: TcpLimits) {
    super({ idleTimeout: limits.idleTimeoutMs });
    this.maxConnections = limits.maxConnections;
  }

  /**
   * RFC 1035 §4.2.2 framing, pipelined (RFC 7766 §6.2.1.1), with
   * backpressure. Messages are answered in order; a transfer's messages
   * are written one per turn of the event loop (so UDP and other
   * connections are answered in between), waiting for 'drain' whenever the
   * socket's buffer is full, and the connection's next queries wait for it.
   */
  override handle(socket: Socket): void {
    socket.setNoDelay(true);
    socket.setTimeout(this.limits.idleTimeoutMs);
    socket.on('timeout', () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.on('drain', () => { if (!busy) socket.resume(); });
    const peer = socket.remoteAddress ?? '?';
    let pending: Buffer = Buffer.alloc(0);
    let busy = false;
    const write = (reply: Buffer): boolean => {
      const frame = Buffer.allocUnsafe(2 + reply.length);
      frame.writeUInt16BE(reply.length, 0);
      reply.copy(frame, 2);
      return socket.write(frame);
    };
    const stream = async (s: Stream): Promise<void> => {
      busy = true;
      socket.pause();
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
        busy = false;
      }
      if (!socket.destroyed) { socket.resume(); work(); }
    };
    const work = (): void => {
      while (!busy && pending.length >= 2) {
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
        if (!Buffer.isBuffer(reply)) { void stream(reply); return; }
        if (!write(reply)) socket.pause();
      }
    };
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      work();
    });
    socket.on('end', () => socket.end());
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
