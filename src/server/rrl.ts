/**
 * Response rate limiting over UDP, as NSD and Knot do it: a reflection
 * attack sends queries with a victim's address, and each reply we send
 * goes to the victim; RRL bounds the replies a client network gets for
 * one kind of answer. Token buckets per client network (/24 IPv4, /56
 * IPv6) and response class:
 * - an answer, by its name and type (a wildcard's answers by the wildcard's
 *   owner, which the responder names on the reply);
 * - NODATA, by its name;
 * - NXDOMAIN, by its zone (a flood of random names under a zone is one
 *   bucket); a referral, by its delegation (the responder names both);
 * - errors (REFUSED, FORMERR, ...), by the client network alone.
 * A bucket fills at `rate` responses a second, up to a second's worth.
 * Over it, every `slip`-th limited response goes out as an empty reply with
 * TC set (a genuine resolver then asks again over TCP, which is not
 * limited), the others are dropped. The table has a fixed number of
 * buckets; two keys that fall on one share it until one replaces the other,
 * so memory is bounded whatever the attacker sends.
 */
import { AddressList, networkKey, parseCidr, type Cidr } from '../wire/address.js';
import { RCODE } from '../wire/constants.js';

export interface RrlSettings {
  /** Responses a second per bucket; 0 turns rate limiting off. */
  rate: number;
  /** Every `slip`-th limited response is sent as an empty TC reply; 0: all are dropped, 1: all slip. */
  slip: number;
  /** Client networks never limited. */
  exempt: readonly string[];
  /** Buckets in the table (a power of two). */
  buckets?: number;
}

/** NSD's defaults: 200 a second, every second limited response slips. */
export const DEFAULT_RRL: RrlSettings = { rate: 200, slip: 2, exempt: [] };

export type RrlAction = 'ok' | 'dropped' | 'slipped';
export type RrlClass = 'answer' | 'nodata' | 'nxdomain' | 'referral' | 'error';

/** What a reply is, for its bucket: its class and the name that keys it (lower case). */
export interface RrlResponse { klass: RrlClass; name: string; qtype: number }

const DEFAULT_BUCKETS = 1 << 16;

export class ResponseRateLimiter {
  private readonly size: number;
  private readonly keys: Uint32Array;
  private readonly tokens: Float64Array;
  private readonly stamps: Float64Array;
  private readonly limited: Uint32Array;
  /** 1 where a bucket holds a key (a key of 0 is a key like any other). */
  private readonly used: Uint8Array;
  /** When a bucket's limiting was last logged (at most once per bucket per interval). */
  private readonly logged: Float64Array;
  private readonly exempt: AddressList;
  /** Counted per class and action. */
  readonly counts = new Map<string, number>();

  constructor(private readonly settings: RrlSettings) {
    // A power of two, so a hash is masked to an index.
    this.size = 2 ** Math.ceil(Math.log2(Math.max(2, settings.buckets ?? DEFAULT_BUCKETS)));
    this.keys = new Uint32Array(this.size);
    this.tokens = new Float64Array(this.size);
    this.stamps = new Float64Array(this.size);
    this.limited = new Uint32Array(this.size);
    this.logged = new Float64Array(this.size).fill(-Infinity);
    this.used = new Uint8Array(this.size);
    this.exempt = new AddressList(settings.exempt.map(parseCidr).filter((c): c is Cidr => !('error' in c)));
  }

  get enabled(): boolean {
    return this.settings.rate > 0;
  }

  /**
   * What to do with a UDP reply to `peer`: send it, drop it, or send the
   * empty TC reply instead. `now` in milliseconds from a monotonic clock
   * (performance.now(): a wall clock stepped back would empty the buckets).
   * `onLimit` is told when a bucket starts being limited (once per bucket a
   * `logEveryMs`).
   */
  decide(peer: string, r: RrlResponse, now: number, onLimit?: (network: string, r: RrlResponse) => void, logEveryMs = 10_000): RrlAction {
    if (!this.enabled || this.exempt.has(peer)) return this.count(r.klass, 'ok');
    const network = networkKey(peer, 24, 56);
    const key = fnv1a(`${network}|${r.klass}|${r.klass === 'answer' ? r.qtype : ''}|${r.name}`);
    const i = key & (this.size - 1);
    const rate = this.settings.rate;
    if (this.keys[i] !== key || !this.used[i]) {
      // A new key, or one that replaces another on this bucket: a full second's worth.
      this.keys[i] = key;
      this.used[i] = 1;
      this.tokens[i] = rate;
      this.stamps[i] = now;
      this.limited[i] = 0;
    } else {
      this.tokens[i] = Math.min(rate, this.tokens[i]! + (Math.max(0, now - this.stamps[i]!) * rate) / 1000);
      this.stamps[i] = Math.max(now, this.stamps[i]!);
    }
    if (this.tokens[i]! >= 1) {
      this.tokens[i]! -= 1;
      return this.count(r.klass, 'ok');
    }
    if (now - this.logged[i]! >= logEveryMs) { this.logged[i] = now; onLimit?.(network, r); }
    const n = ++this.limited[i]!;
    const slip = this.settings.slip;
    return this.count(r.klass, slip > 0 && n % slip === 0 ? 'slipped' : 'dropped');
  }

  private count(klass: RrlClass, action: RrlAction): RrlAction {
    const k = `${klass} ${action}`;
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    return action;
  }
}

/** The class of a reply from its header (RFC 1035 §4.1.1): rcode, AA, and the section counts. */
export function classify(reply: Buffer): RrlClass {
  const rcode = reply[3]! & 0xf;
  if (rcode === RCODE.NXDOMAIN) return 'nxdomain';
  if (rcode !== RCODE.NOERROR) return 'error';
  if (reply.readUInt16BE(6) > 0) return 'answer';
  const aa = (reply[2]! & 0x04) !== 0;
  return !aa && reply.readUInt16BE(8) > 0 ? 'referral' : 'nodata';
}

/**
 * The empty reply a slipped response is sent as: the header and the
 * question, TC set, no records (the client asks again over TCP).
 */
export function slipReply(reply: Buffer, questionEnd: number): Buffer {
  const out = Buffer.from(reply.subarray(0, Math.min(questionEnd, reply.length)));
  out[2]! |= 0x02;
  out.writeUInt16BE(0, 6);
  out.writeUInt16BE(0, 8);
  out.writeUInt16BE(0, 10);
  return out;
}

/** FNV-1a, 32 bits, over the UTF-16 code units of `s`. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
