/**
 * The hardened query decoder. Reads the header, the one question and the OPT
 * record (RFC 6891 §6.1) and nothing else it does not need. Every read is
 * bounds-checked, compression pointers must point backwards and past the
 * header, and the outcome is a value, never an exception.
 */
import { EDNS_OPTION, OPCODE, RCODE, TYPE } from './constants.js';
import { readTsig, type TsigRecord } from './tsig.js';

export interface Edns {
  udpSize: number;
  version: number;
  do: boolean;
  /** The query carried edns-tcp-keepalive (RFC 7828 §3.2.1): over TCP, the reply tells the idle timeout. */
  keepalive?: true;
  /** The query's COOKIE (RFC 7873 §4): the client cookie, and the server cookie it was given before, if any. */
  cookie?: { client: Buffer; server?: Buffer };
}

export interface Question {
  /** Labels as the client wrote them (case kept for the echo, RFC 4343 §4.1). */
  qname: string[];
  qtype: number;
  qclass: number;
}

export interface DecodedQuery extends Question {
  id: number;
  /** Header flags word as received (opcode, RD, CD...). */
  flags: number;
  opcode: number;
  edns?: Edns;
  /** The request's TSIG (RFC 8945), the last record of the message; checked by the responder. */
  tsig?: TsigRecord;
  /** RFC 1995 §3: the SOA an IXFR request carries in its authority section, the client's copy (owner as written). */
  clientSoa?: { owner: string[]; serial: number };
}

export type Decoded =
  | { kind: 'query'; query: DecodedQuery }
  /**
   * Answer with this rcode; question and edns when they could be read, and
   * the TSIG when the message was read to its end (RFC 8945 §5.2: the reply
   * to a request whose TSIG verifies is signed, whatever its rcode).
   */
  | { kind: 'error'; id: number; flags: number; rcode: number; question?: Question; edns?: Edns; tsig?: TsigRecord; reason: string }
  /** Not worth a reply (too short to carry an ID, or a response: RFC 1035 §4.1.1). */
  | { kind: 'drop'; reason: string };

class Malformed extends Error {}

const MAX_HOPS = 126; // more pointers than a 255-octet name can need
/** RFC 1035 §4.1.1: the fixed header; no name starts inside it. */
const HEADER_OCTETS = 12;

/** A name at `start` (compression followed); throws on anything malformed. */
export function readName(b: Buffer, start: number): { labels: string[]; end: number } {
  const labels: string[] = [];
  let o = start;
  let end = -1;
  let hops = 0;
  let total = 1;
  // Each pointer must go strictly below the previous one (and the first below
  // the name's own start), so no loop is possible and hops are bounded.
  let lowest = start;
  for (;;) {
    if (o >= b.length) throw new Malformed('name runs past the end of the message');
    const len = b[o]!;
    if (len === 0) { if (end < 0) end = o + 1; break; }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (o + 1 >= b.length) throw new Malformed('truncated compression pointer');
      const ptr = ((len & 0x3f) << 8) | b[o + 1]!;
      // RFC 1035 §4.1.4: a pointer is the offset of an earlier name; the first
      // 12 octets are the header (ID, flags, counts), never a name.
      if (ptr < HEADER_OCTETS) throw new Malformed('compression pointer into the header');
      if (ptr >= lowest) throw new Malformed('compression pointer does not point backwards');
      if (++hops > MAX_HOPS) throw new Malformed('too many compression pointers');
      if (end < 0) end = o + 2;
      lowest = ptr;
      o = ptr;
      continue;
    }
    if (kind !== 0) throw new Malformed('unknown label type (RFC 6891 §5)');
    if (o + 1 + len > b.length) throw new Malformed('label runs past the end of the message');
    total += len + 1;
    if (total > 255) throw new Malformed('name longer than 255 octets');
    labels.push(b.toString('latin1', o + 1, o + 1 + len));
    o += 1 + len;
  }
  return { labels, end };
}

/** The resource record at `o`: header fields and where its RDATA is; throws on anything malformed. */
export function skipRR(b: Buffer, o: number): { type: number; klass: number; ttl: number; rdStart: number; rdEnd: number; owner: string[] } {
  const n = readName(b, o);
  o = n.end;
  if (o + 10 > b.length) throw new Malformed('resource record header runs past the end');
  const type = b.readUInt16BE(o);
  const klass = b.readUInt16BE(o + 2);
  const ttl = b.readUInt32BE(o + 4);
  const rdlen = b.readUInt16BE(o + 8);
  const rdStart = o + 10;
  const rdEnd = rdStart + rdlen;
  if (rdEnd > b.length) throw new Malformed('RDATA runs past the end');
  return { type, klass, ttl, rdStart, rdEnd, owner: n.labels };
}

/** The error outcome: what could be read, and why (no closure over the decoder's variables: they stay in registers). */
function failed(id: number, flags: number, rcode: number, question: Question | undefined, edns: Edns | undefined, tsig: TsigRecord | undefined, reason: string): Decoded {
  return { kind: 'error', id, flags, rcode, question, edns, ...(tsig ? { tsig } : {}), reason };
}

/** An OPT record's fields and options (RFC 6891 §6.1.2), or why it is malformed. */
function readOpt(b: Buffer, start: number, end: number, klass: number, ttl: number): Edns | string {
  let keepalive = false;
  let cookie: { client: Buffer; server?: Buffer } | undefined;
  for (let p = start; p < end;) {
    if (p + 4 > end) return 'EDNS option header runs past RDATA';
    const code = (b[p]! << 8) | b[p + 1]!, len = (b[p + 2]! << 8) | b[p + 3]!;
    if (p + 4 + len > end) return 'EDNS option runs past RDATA';
    if (code === EDNS_OPTION.TCP_KEEPALIVE) keepalive = true;
    if (code === EDNS_OPTION.COOKIE && !cookie) {
      // RFC 7873 §5.2.2: a client cookie of 8 octets, and a server cookie of 8 to 32 after it, or FORMERR.
      if (len !== 8 && (len < 16 || len > 40)) return `COOKIE option of ${len} octets`;
      const data = Buffer.from(b.subarray(p + 4, p + 4 + len));
      cookie = len > 8 ? { client: data.subarray(0, 8), server: data.subarray(8) } : { client: data.subarray(0, 8) };
    }
    p += 4 + len;
  }
  // One shape for every EDNS (absent options are undefined, not missing).
  return ednsFields(klass, ttl, keepalive ? true : undefined, cookie);
}

/** What the OPT record's CLASS and TTL say (RFC 6891 §6.1.3): the size, the version and DO; and the options read. */
function ednsFields(klass: number, ttl: number, keepalive?: true, cookie?: Edns['cookie']): Edns {
  // RFC 6891 §6.2.5: values below 512 are treated as 512.
  return { udpSize: Math.max(klass, 512), version: (ttl >>> 16) & 0xff, do: (ttl & 0x8000) !== 0, keepalive, cookie };
}

export function decodeQuery(b: Buffer): Decoded {
  if (b.length < HEADER_OCTETS) return { kind: 'drop', reason: 'shorter than a header' };
  const id = b.readUInt16BE(0);
  const flags = b.readUInt16BE(2);
  if (flags & 0x8000) return { kind: 'drop', reason: 'QR set: a response, not a query' };
  const opcode = (flags >> 11) & 0xf;
  const qd = b.readUInt16BE(4), an = b.readUInt16BE(6), ns = b.readUInt16BE(8), ar = b.readUInt16BE(10);
  let question: Question | undefined;
  let edns: Edns | undefined;
  let tsig: TsigRecord | undefined;
  let clientSoa: DecodedQuery['clientSoa'];
  let why: string | undefined;
  try {
    let o = HEADER_OCTETS;
    if (qd >= 1) {
      const n = readName(b, o);
      o = n.end;
      if (o + 4 > b.length) throw new Malformed('question runs past the end');
      question = { qname: n.labels, qtype: b.readUInt16BE(o), qclass: b.readUInt16BE(o + 2) };
      o += 4;
    }
    // Skip the other questions and the answer and authority sections; find OPT in additional.
    for (let i = 1; i < qd; i++) { o = readName(b, o).end + 4; if (o > b.length) throw new Malformed('question runs past the end'); }
    for (let i = 0; i < an + ns; i++) {
      const rr = skipRR(b, o);
      // RFC 6891 §6.1.1: an OPT anywhere but the additional section is FORMERR.
      if (rr.type === TYPE.OPT) throw new Malformed(`OPT in the ${i < an ? 'answer' : 'authority'} section`);
      // RFC 1035 §3.3.13: SERIAL is the first of the five 32-bit fields that end the SOA RDATA (two names, at least a root each, before them).
      if (i >= an && rr.type === TYPE.SOA && !clientSoa && rr.rdEnd - rr.rdStart >= 22) clientSoa = { owner: rr.owner, serial: b.readUInt32BE(rr.rdEnd - 20) };
      o = rr.rdEnd;
    }
    for (let i = 0; i < ar; i++) {
      const rr = skipRR(b, o);
      if (rr.type === TYPE.TSIG) {
        // RFC 8945 §5.1: a TSIG anywhere but last (or a second one) is FORMERR.
        if (i !== ar - 1) throw new Malformed('TSIG is not the last record');
        try { tsig = readTsig(b, o); } catch (e) { throw new Malformed((e as Error).message); }
      }
      o = rr.rdEnd;
      if (rr.type !== TYPE.OPT) continue;
      // RFC 6891 §6.1.1: one OPT at most, owned by the root; RFC 6891 §7: a FORMERR caused by the OPT record itself still carries our OPT.
      const opt = edns ? 'more than one OPT record' : rr.owner.length !== 0 ? 'OPT owner is not the root' : readOpt(b, rr.rdStart, rr.rdEnd, rr.klass, rr.ttl);
      // The FORMERR still carries our OPT, with the client's DO copied (RFC 3225 §3) and its size honoured.
      if (typeof opt === 'string') { why = opt; edns ??= ednsFields(rr.klass, rr.ttl); break; }
      edns = opt;
    }
  } catch (e) {
    why = (e as Error).message;
  }
  if (why !== undefined) return failed(id, flags, RCODE.FORMERR, question, edns, tsig, why);
  if (opcode !== OPCODE.QUERY) return failed(id, flags, RCODE.NOTIMP, question, edns, tsig, `opcode ${opcode} not implemented`);
  // RFC 7873 §5.4: no question and a client cookie asks for a server cookie: NOERROR, with one.
  if (qd === 0 && an === 0 && edns?.cookie) return failed(id, flags, RCODE.NOERROR, question, edns, tsig, 'a query for a server cookie (RFC 7873 §5.4)');
  if (qd !== 1 || !question) return failed(id, flags, RCODE.FORMERR, question, edns, tsig, `QDCOUNT is ${qd}, expected 1`);
  // A query carries no answers (RFC 1035 §4.1.1 leaves it open; NSD and Knot say FORMERR, so do we).
  if (an !== 0) return failed(id, flags, RCODE.FORMERR, question, edns, tsig, `ANCOUNT is ${an} in a query`);
  // One object of one shape for every query (spreads made a new one field by field).
  const query: DecodedQuery = { id, flags, opcode, edns, qname: question.qname, qtype: question.qtype, qclass: question.qclass, tsig, clientSoa: question.qtype === TYPE.IXFR ? clientSoa : undefined };
  return { kind: 'query', query };
}
