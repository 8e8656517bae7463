/**
 * The client side of the codec, for `mailns probe` and tests: a query to
 * send, and the response read back. Reads through the hardened decoder's
 * name and RR readers (every read bounds-checked, pointers backwards only);
 * the outcome is a value, never an exception.
 */
import type { Name } from '../util/name.js';
import { FLAG, OPCODE, TYPE } from './constants.js';
import { readName, skipRR } from './decode.js';
import { readTsig, type TsigRecord } from './tsig.js';
import { MessageWriter } from './writer.js';

export interface ResponseRR {
  /** Labels as sent (case kept). */
  owner: string[];
  type: number;
  klass: number;
  ttl: number;
  /** Offsets of the RDATA in the message (names in it may point anywhere before). */
  rdStart: number;
  rdEnd: number;
}

export interface DecodedResponse {
  id: number;
  flags: number;
  opcode: number;
  /** The 4-bit header RCODE (an OPT's extended bits are not folded in). */
  rcode: number;
  aa: boolean;
  tc: boolean;
  question?: { qname: string[]; qtype: number; qclass: number };
  answer: ResponseRR[];
  authority: ResponseRR[];
  /** The TSIG (RFC 8945), when it is the last record of the additional section; the caller verifies it. */
  tsig?: TsigRecord;
}

/** One question, RD clear (RFC 1035 §4.1.1: we ask an authoritative server, not a resolver), no EDNS. */
export function encodeQuery(id: number, qname: Name, qtype: number, qclass: number): Buffer {
  const w = new MessageWriter(Buffer.allocUnsafe(12 + 255 + 4));
  w.u16(id);
  w.u16(OPCODE.QUERY << 11);
  w.u16(1); w.u16(0); w.u16(0); w.u16(0);
  w.name(qname, false);
  w.u16(qtype);
  w.u16(qclass);
  return w.finish();
}

/** A response (QR set) with its question, answer and authority sections; or why it is not one. */
export function decodeResponse(b: Buffer): { kind: 'response'; response: DecodedResponse } | { kind: 'malformed'; reason: string } {
  if (b.length < 12) return { kind: 'malformed', reason: 'shorter than a header' };
  const flags = b.readUInt16BE(2);
  if (!(flags & FLAG.QR)) return { kind: 'malformed', reason: 'QR clear: a query, not a response' };
  const qd = b.readUInt16BE(4), an = b.readUInt16BE(6), ns = b.readUInt16BE(8), ar = b.readUInt16BE(10);
  const r: DecodedResponse = {
    id: b.readUInt16BE(0), flags, opcode: (flags >> 11) & 0xf, rcode: flags & 0xf,
    aa: (flags & FLAG.AA) !== 0, tc: (flags & FLAG.TC) !== 0, answer: [], authority: [],
  };
  try {
    let o = 12;
    for (let i = 0; i < qd; i++) {
      const n = readName(b, o);
      o = n.end + 4;
      if (o > b.length) return { kind: 'malformed', reason: 'question runs past the end' };
      if (i === 0) r.question = { qname: n.labels, qtype: b.readUInt16BE(o - 4), qclass: b.readUInt16BE(o - 2) };
    }
    for (let i = 0; i < an + ns; i++) {
      const rr = skipRR(b, o);
      o = rr.rdEnd;
      (i < an ? r.answer : r.authority).push({ owner: rr.owner, type: rr.type, klass: rr.klass, ttl: rr.ttl, rdStart: rr.rdStart, rdEnd: rr.rdEnd });
    }
    const tsig = lastTsig(b, o, ar);
    if (tsig) r.tsig = tsig;
  } catch (e) {
    // A truncated response (TC) may end inside a section: what was read is kept.
    if (!r.tc) return { kind: 'malformed', reason: (e as Error).message };
  }
  return { kind: 'response', response: r };
}

/**
 * RFC 8945 §5.1: the TSIG is the last record of the additional section.
 * One elsewhere, or an additional section that does not parse, gives none:
 * to a client expecting a signed reply, that is an unsigned one.
 */
function lastTsig(b: Buffer, o: number, ar: number): TsigRecord | undefined {
  try {
    for (let i = 0; i < ar; i++) {
      const rr = skipRR(b, o);
      if (rr.type === TYPE.TSIG) return i === ar - 1 ? readTsig(b, o) : undefined;
      o = rr.rdEnd;
    }
  } catch { /* no TSIG to verify */ }
  return undefined;
}

/** The SERIAL of SOA RDATA (RFC 1035 §3.3.13: MNAME, RNAME, then five 32-bit fields), or undefined if it does not fit. */
export function soaSerial(b: Buffer, rr: ResponseRR): number | undefined {
  try {
    const o = readName(b, readName(b, rr.rdStart).end).end;
    return o + 20 <= rr.rdEnd ? b.readUInt32BE(o) : undefined;
  } catch {
    return undefined;
  }
}
