/**
 * DNS cookies (RFC 7873), with interoperable server cookies (RFC 9018): a
 * reply to a query with a client cookie carries it back with a server
 * cookie of 16 octets, Version 1, three reserved zero octets, the time, and
 * SipHash-2-4 over the client cookie, those eight octets and the client's
 * address, keyed by a server secret. A client that sends it back has shown
 * it receives at its address (it is not spoofed): rate limiting leaves it
 * alone. The secret is random per process and replaced on a schedule; the
 * one before stays valid for checking until the cookies made with it expire.
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { siphash24 } from '../wire/siphash.js';
import { ipv6ToBytes } from '../wire/rdata.js';
import { unmapped } from '../wire/address.js';

/** RFC 9018 §4.3: a server cookie is good for an hour, and may come from five minutes ahead. */
const VALID_PAST_S = 3600;
const VALID_FUTURE_S = 300;
/** A new secret every 12 hours: each secret's cookies outlive it by the hour they are valid. */
const ROTATE_S = 12 * 3600;

export class ServerCookies {
  private secret: Buffer;
  private previous: Buffer | undefined;
  private since: number;

  constructor(private readonly now: () => number = () => Math.floor(Date.now() / 1000), secret?: Buffer) {
    this.secret = secret ?? randomBytes(16);
    this.since = this.now();
  }

  /** The COOKIE option's data for a reply: the client cookie and a fresh server cookie for `peer`. */
  reply(client: Buffer, peer: string | undefined): Buffer {
    const t = this.now();
    this.rotate(t);
    return Buffer.concat([client, this.make(client, t, peer, this.secret)]);
  }

  /** True when `server` is a cookie this server made for `client` at `peer`, and still good. */
  valid(client: Buffer, server: Buffer | undefined, peer: string | undefined): boolean {
    if (!server || server.length !== 16 || server[0] !== 1 || server[1] !== 0 || server[2] !== 0 || server[3] !== 0) return false;
    const t = server.readUInt32BE(4);
    const now = this.now();
    // RFC 1982 arithmetic is not needed before 2106; the window is plain seconds.
    if (t < now - VALID_PAST_S || t > now + VALID_FUTURE_S) return false;
    this.rotate(now);
    for (const secret of [this.secret, this.previous]) {
      if (secret && this.make(client, t, peer, secret).equals(server)) return true;
    }
    return false;
  }

  private rotate(now: number): void {
    if (now - this.since < ROTATE_S) return;
    this.previous = this.secret;
    this.secret = randomBytes(16);
    this.since = now;
  }

  /** RFC 9018 §4.4: Version | Reserved | Timestamp | SipHash-2-4(client | Version | Reserved | Timestamp | Client-IP). */
  private make(client: Buffer, t: number, peer: string | undefined, secret: Buffer): Buffer {
    const head = Buffer.from([1, 0, 0, 0, t >>> 24, (t >>> 16) & 255, (t >>> 8) & 255, t & 255]);
    return Buffer.concat([head, siphash24(secret, Buffer.concat([client, head, addressOctets(peer)]))]);
  }
}

/** The client's address in network order (an IPv4 client seen as ::ffff:a.b.c.d is its four octets). */
function addressOctets(peer: string | undefined): Buffer {
  if (!peer) return Buffer.alloc(0);
  const a = unmapped(peer);
  const f = isIP(a);
  if (f === 4) return Buffer.from(a.split('.').map(Number));
  if (f === 6) return ipv6ToBytes(a);
  return Buffer.alloc(0);
}
