/**
 * Zone transfers out (RFC 5936): who may transfer a zone, and the messages
 * of a transfer, made one at a time, so the transport can send each and let
 * other queries be answered in between: AXFR from the snapshot's published
 * records (what `export` prints), IXFR (src/query/ixfr.ts) from a journal.
 */
import { AddressList, parseCidr, type Cidr } from '../wire/address.js';
import { FLAG, TYPE } from '../wire/constants.js';
import type { DecodedQuery } from '../wire/decode.js';
import { MessageWriter, Overflow } from '../wire/writer.js';
import type { RR } from '../zone/diff.js';
import type { TransferPolicy, Zone } from '../zone/zone.js';

/** RFC 1035 §4.2.2: a TCP message is at most 65535 octets. */
export const MAX_MESSAGE = 65535;
/**
 * Records per message stop here: a message takes about 2 ms to make at this
 * size (7 ms at 64 KiB), the longest the event loop waits on a transfer.
 * A record that does not fit below it still fits below MAX_MESSAGE.
 */
const TARGET = 16384;
const OPT_SIZE = 11;

const lists = new WeakMap<TransferPolicy, AddressList>();

function addressList(p: TransferPolicy): AddressList {
  let l = lists.get(p);
  if (!l) {
    l = new AddressList(p.allow.map(parseCidr).filter((c): c is Cidr => !('error' in c)));
    lists.set(p, l);
  }
  return l;
}

/**
 * Whether a client may transfer: `allow` and `keys` each constrain when
 * given, so with both the request needs an allowed address and one of the
 * keys; a policy with neither refuses everyone (the default).
 * `key` is the nameKey of the TSIG key the request was verified with.
 */
export function transferAllowed(policy: TransferPolicy, peer: string, key: string | undefined): { ok: true } | { ok: false; why: string } {
  if (!policy.allow.length && !policy.keys.length) return { ok: false, why: 'no transfer is allowed for this zone' };
  if (policy.allow.length && !addressList(policy).has(peer)) return { ok: false, why: `${peer} is not in the allowed addresses` };
  if (policy.keys.length && (!key || !policy.keys.includes(key))) return { ok: false, why: key ? `key ${key} is not allowed for this zone` : 'the request is not signed with an allowed key' };
  return { ok: true };
}

export interface AxfrStats { messages: number; records: number }

/**
 * The AXFR reply to `q` for `zone` (RFC 5936 §2.2): the SOA first and last,
 * every published record between; `reserve` octets of each message are kept
 * for the TSIG. The query's type (AXFR, or IXFR answered in full, RFC 1995
 * §4) is echoed.
 */
export function axfrMessages(zone: Zone, q: DecodedQuery, reserve: number, stats: AxfrStats = { messages: 0, records: 0 }): Generator<Buffer, void, void> {
  return xfrMessages(recordsOf(zone), q, MAX_MESSAGE - reserve, stats);
}

/**
 * The messages of a transfer carrying `records` in order, one per step:
 * as many records per message as fit in `limit` octets (the OPT included,
 * the TSIG not), names compressed within each message. The question is in
 * the first message only (RFC 5936 §2.2.1); each carries our OPT when the
 * query had one.
 */
export function* xfrMessages(records: Iterator<RR>, q: DecodedQuery, limit: number, stats: AxfrStats = { messages: 0, records: 0 }): Generator<Buffer, void, void> {
  const w = new MessageWriter(Buffer.allocUnsafe(MAX_MESSAGE));
  let next = records.next();
  let first = true;
  while (first || !next.done) {
    w.reset(limit - (q.edns ? OPT_SIZE : 0));
    // RFC 5936 §2.2.1: ID copied, QR and AA set, opcode and RD copied, RA clear.
    w.u16(q.id);
    w.u16(FLAG.QR | FLAG.AA | (q.flags & FLAG.OPCODE) | (q.flags & FLAG.RD) | (q.flags & FLAG.CD));
    w.u16(first ? 1 : 0);
    w.u16(0); w.u16(0); w.u16(0);
    if (first) { w.name(q.qname); w.u16(q.qtype); w.u16(q.qclass); }
    let n = 0;
    while (!next.done) {
      const m = w.mark();
      const { rrset: rs, rdata } = next.value;
      try {
        w.rr(rs.owner, rs.type, rs.klass, rs.ttl, rdata, rs.compress);
      } catch (e) {
        if (!(e instanceof Overflow)) throw e;
        w.rollback(m);
        if (n === 0) throw new Error(`a record of ${rs.owner.join('.')} does not fit in a message`);
        break;
      }
      n++;
      next = records.next();
      if (w.o >= TARGET) break;
    }
    w.buf.writeUInt16BE(n, 6);
    if (q.edns) {
      w.limit = w.buf.length;
      w.u8(0); w.u16(TYPE.OPT); w.u16(1232); w.u32(q.edns.do ? 0x8000 : 0); w.u16(0);
      w.buf.writeUInt16BE(1, 10);
    }
    first = false;
    stats.messages++;
    stats.records += n;
    yield w.finish();
  }
}

/** Every record in transfer order: the SOA, the published RRsets (their SOA left out), the SOA again. */
function* recordsOf(zone: Zone): Generator<RR> {
  const soa: RR = { rrset: zone.soa, rdata: zone.soa.rdatas[0]! };
  yield soa;
  for (const rs of zone.published()) {
    if (rs === zone.soa) continue;
    for (const rdata of rs.rdatas) yield { rrset: rs, rdata };
  }
  yield soa;
}
