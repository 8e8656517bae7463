/**
 * The UDP listener on dns2's socket class, and what both transports hand
 * the responder (the TCP listener is src/server/tcp.ts). dns2's own handlers
 * parse every message with its Packet class (slow, and lossy for long TXT
 * and non-ASCII names), so both are overridden to hand raw bytes to our
 * decoder. Nothing thrown by a handler leaves the listeners: a failing query
 * is logged and dropped, never allowed to take the process down.
 */
import type { RemoteInfo } from 'node:dgram';
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
