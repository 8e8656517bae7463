/**
 * TSIG (RFC 8945): the record, the MAC over a message and its variables, and
 * the checks a server makes of a signed request, in the order §5.2 gives
 * (key, MAC, time, truncation). Pure: the clock and the keys are arguments.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Name, lowerName, nameEquals, nameKey, nameToWire } from '../util/name.js';
import { CLASS, TYPE } from './constants.js';
import { readName } from './decode.js';

/** RFC 8945 §6 and the IANA registry: the algorithms we sign with (hmac-md5 is not offered, §6). */
export const ALGORITHMS = {
  'hmac-sha1': { hash: 'sha1', size: 20 },
  'hmac-sha256': { hash: 'sha256', size: 32 },
  'hmac-sha384': { hash: 'sha384', size: 48 },
  'hmac-sha512': { hash: 'sha512', size: 64 },
} as const;
export type Algorithm = keyof typeof ALGORITHMS;

export function isAlgorithm(s: string): s is Algorithm {
  return Object.prototype.hasOwnProperty.call(ALGORITHMS, s);
}

/** TSIG errors in the Error field (RFC 8945 §3; the rcode of the message is NOTAUTH). */
export const TSIG_ERROR = { BADSIG: 16, BADKEY: 17, BADTIME: 18, BADTRUNC: 22 } as const;
export const RCODE_NOTAUTH = 9;

/** The usual fudge (RFC 8945 §10: 300 seconds). */
export const DEFAULT_FUDGE = 300;

export interface TsigKey {
  /** Lower-cased. */
  name: Name;
  algorithm: Algorithm;
  secret: Buffer;
}

/** Keys by name (nameKey of the lower-cased name). */
export type Keyring = ReadonlyMap<string, TsigKey>;

export function keyring(keys: readonly TsigKey[]): Map<string, TsigKey> {
  return new Map(keys.map((k) => [nameKey(k.name), k]));
}

/** A TSIG record as read from a message. */
export interface TsigRecord {
  /** Offset of the record in the message (everything before it is what the MAC covers). */
  start: number;
  keyName: Name;
  algorithm: Name;
  timeSigned: number;
  fudge: number;
  mac: Buffer;
  originalId: number;
  error: number;
  other: Buffer;
}

/** The TSIG RR at `o` (owner already known to start there); throws on anything malformed. */
export function readTsig(b: Buffer, o: number): TsigRecord {
  const owner = readName(b, o);
  let p = owner.end + 10;
  if (p > b.length) throw new Error('TSIG header runs past the end');
  const rdlen = b.readUInt16BE(owner.end + 8);
  const end = p + rdlen;
  if (end > b.length) throw new Error('TSIG RDATA runs past the end');
  const alg = readName(b, p);
  p = alg.end;
  if (p + 10 > end) throw new Error('TSIG RDATA too short');
  const timeSigned = b.readUIntBE(p, 6);
  const fudge = b.readUInt16BE(p + 6);
  const macSize = b.readUInt16BE(p + 8);
  p += 10;
  if (p + macSize + 6 > end) throw new Error('TSIG MAC runs past its RDATA');
  const mac = Buffer.from(b.subarray(p, p + macSize));
  p += macSize;
  const originalId = b.readUInt16BE(p);
  const error = b.readUInt16BE(p + 2);
  const otherLen = b.readUInt16BE(p + 4);
  p += 6;
  if (p + otherLen !== end) throw new Error('TSIG other data does not end its RDATA');
  return { start: o, keyName: lowerName(owner.labels), algorithm: lowerName(alg.labels), timeSigned, fudge, mac, originalId, error, other: Buffer.from(b.subarray(p, end)) };
}

function u48(v: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUIntBE(v, 0, 6);
  return b;
}

function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v, 0);
  return b;
}

/** RFC 8945 §4.3.3: the variables, names in canonical form (lower-cased, uncompressed). */
function variables(keyName: Name, algorithm: Algorithm, time: number, fudge: number, error: number, other: Buffer): Buffer {
  return Buffer.concat([nameToWire(keyName), u16(CLASS.ANY), Buffer.alloc(4), nameToWire([algorithm]), u48(time), u16(fudge), u16(error), u16(other.length), other]);
}

/** §4.3.1 / §5.3.1: after the first message of a transfer, only the timers are covered. */
function timers(time: number, fudge: number): Buffer {
  return Buffer.concat([u48(time), u16(fudge)]);
}

/** The message as the MAC sees it: without its TSIG, ARCOUNT one less, the original ID (§4.3.2). */
function unsignedView(msg: Buffer, tsigStart: number, originalId: number): Buffer {
  const m = Buffer.from(msg.subarray(0, tsigStart));
  m.writeUInt16BE(originalId, 0);
  m.writeUInt16BE(m.readUInt16BE(10) - 1, 10);
  return m;
}

function hmac(key: TsigKey, parts: Buffer[]): Buffer {
  const h = createHmac(ALGORITHMS[key.algorithm].hash, key.secret);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** The MAC `t` should carry over `msg` with `key`: §4.3.3's digest, after `prior` (the request's MAC, for a response, §5.3). */
function expectedMac(msg: Buffer, t: TsigRecord, key: TsigKey, prior?: Buffer): Buffer {
  const parts = [unsignedView(msg, t.start, t.originalId), variables(t.keyName, key.algorithm, t.timeSigned, t.fudge, t.error, t.other)];
  return hmac(key, prior ? [u16(prior.length), prior, ...parts] : parts);
}

/** §5.2.2.1: a MAC longer than the hash, or shorter than max(10, half of it), is malformed. */
function impossibleLength(mac: Buffer, key: TsigKey): boolean {
  const full = ALGORITHMS[key.algorithm].size;
  return mac.length > full || mac.length < Math.max(10, full / 2);
}

/** Constant time over the MAC given (its length is public, and checked first): no timing oracle on the secret. */
function macMatches(expect: Buffer, mac: Buffer): boolean {
  return mac.length <= expect.length && timingSafeEqual(expect.subarray(0, mac.length), mac);
}

const algorithmOf = (t: TsigRecord) => (t.algorithm.length === 1 ? t.algorithm[0]! : nameKey(t.algorithm));

/** How a request's TSIG fared (§5.2). */
export type Verdict =
  | { ok: true; key: TsigKey; mac: Buffer; tsig: TsigRecord }
  /** BADKEY, BADSIG: answer NOTAUTH with an unsigned TSIG carrying the error (§5.3.2: MUST NOT be signed). */
  | { ok: false; error: number; signed: false; tsig: TsigRecord; why: string }
  /**
   * BADTIME (§5.2.3) and BADTRUNC (§5.2.4): the request's MAC verified, so
   * the NOTAUTH is signed with the key, chained to that MAC (§5.3.2).
   */
  | { ok: false; error: number; signed: true; key: TsigKey; mac: Buffer; tsig: TsigRecord; why: string }
  /** A MAC of an impossible length: FORMERR (§5.2.2.1). */
  | { ok: false; formerr: true; tsig: TsigRecord; why: string };

/**
 * `now` in seconds since the epoch.
 *
 * No replay cache (§5.2.3's SHOULD on the last Time Signed per key, §10):
 * a request is taken anywhere within the fudge of our clock. Rejecting one
 * signed earlier than the last accepted would refuse good requests (two
 * secondaries sharing a key whose clocks differ, datagrams reordered) and
 * still let an identical copy through (its time is not earlier); the
 * window is what bounds a replay (docs/replication-transfers.md, TSIG).
 */
export function verifyRequest(msg: Buffer, tsig: TsigRecord, keys: Keyring, now: number): Verdict {
  const key = keys.get(nameKey(tsig.keyName));
  const alg = algorithmOf(tsig);
  // §5.2.1: an unknown key, or a known key with another algorithm, is BADKEY.
  if (!key || key.algorithm !== alg) return { ok: false, error: TSIG_ERROR.BADKEY, signed: false, tsig, why: key ? `key ${nameKey(tsig.keyName)} is ${key.algorithm}, the request says ${alg}` : `no key ${nameKey(tsig.keyName)}` };
  const full = ALGORITHMS[key.algorithm].size;
  if (impossibleLength(tsig.mac, key)) return { ok: false, formerr: true, tsig, why: `MAC of ${tsig.mac.length} octets for ${key.algorithm}` };
  // §5.2.2: the MAC over the request (no prior MAC: it is the first message).
  if (!macMatches(expectedMac(msg, tsig, key), tsig.mac)) return { ok: false, error: TSIG_ERROR.BADSIG, signed: false, tsig, why: 'the MAC does not match' };
  // §5.2.3: the time signed, plus or minus the fudge, must hold our time.
  if (Math.abs(now - tsig.timeSigned) > tsig.fudge) return { ok: false, error: TSIG_ERROR.BADTIME, signed: true, key, mac: tsig.mac, tsig, why: `time signed is ${tsig.timeSigned - now} s from ours, fudge ${tsig.fudge}` };
  // §5.2.4: we answer only full-length MACs (our local policy) — BADTRUNC otherwise.
  if (tsig.mac.length < full) return { ok: false, error: TSIG_ERROR.BADTRUNC, signed: true, key, mac: tsig.mac, tsig, why: `truncated MAC (${tsig.mac.length} of ${full} octets)` };
  return { ok: true, key, mac: tsig.mac, tsig };
}

const ERROR_NAMES: Record<number, string> = { 16: 'BADSIG', 17: 'BADKEY', 18: 'BADTIME', 22: 'BADTRUNC' };
export const tsigErrorText = (e: number): string => ERROR_NAMES[e] ?? String(e);

/** How a response to one of our signed requests fared (§5.3, the client's side of §5.2). */
export type ResponseVerdict = { ok: true; tsig: TsigRecord } | { ok: false; why: string };

/**
 * A response to a request we signed with `key` (a NOTIFY): it must carry a
 * TSIG of the same key and algorithm, whose MAC, chained to the request's
 * (one of `requestMacs`: a retry is signed anew, and a reply may answer an
 * earlier try), verifies over the response, signed within its fudge of
 * `now`. An unsigned error TSIG (BADKEY, BADSIG: §5.3.2) verifies nothing,
 * so it is not a verified response; neither is a truncated MAC (§5.2.4,
 * our policy as for requests).
 */
export function verifyResponse(msg: Buffer, tsig: TsigRecord | undefined, key: TsigKey, requestMacs: readonly Buffer[], now: number): ResponseVerdict {
  if (!tsig) return { ok: false, why: 'the reply is not signed' };
  if (!nameEquals(tsig.keyName, key.name) || algorithmOf(tsig) !== key.algorithm) return { ok: false, why: `the reply is signed with key ${nameKey(tsig.keyName)} ${algorithmOf(tsig)}, not ours` };
  if (tsig.mac.length === 0) return { ok: false, why: `the reply carries TSIG error ${tsigErrorText(tsig.error)}, unsigned` };
  if (tsig.mac.length !== ALGORITHMS[key.algorithm].size) return { ok: false, why: `the reply's MAC is ${tsig.mac.length} octets, not ${ALGORITHMS[key.algorithm].size}` };
  if (!requestMacs.some((prior) => macMatches(expectedMac(msg, tsig, key, prior), tsig.mac))) return { ok: false, why: "the reply's MAC does not verify" };
  if (Math.abs(now - tsig.timeSigned) > tsig.fudge) return { ok: false, why: `the reply was signed ${tsig.timeSigned - now} s from our time, fudge ${tsig.fudge}` };
  return { ok: true, tsig };
}

export interface SignOptions {
  key: TsigKey;
  /** The request's original ID (§4.2: copied into every response's TSIG). */
  originalId: number;
  time: number;
  fudge?: number;
  error?: number;
  other?: Buffer;
  /**
   * The MAC this one chains to: the request's for a reply or the first
   * message of a transfer (§4.3.2), the previous message's after that (§5.3.1).
   */
  prior?: Buffer;
  /** Messages after the first of a transfer cover only the timers (§5.3.1). */
  timersOnly?: boolean;
}

/** The TSIG RR, octets, to append to `msg` (whose ARCOUNT the caller increments), and its MAC. */
export function signMessage(msg: Buffer, o: SignOptions): { rr: Buffer; mac: Buffer } {
  const fudge = o.fudge ?? DEFAULT_FUDGE;
  const error = o.error ?? 0;
  const other = o.other ?? Buffer.alloc(0);
  const parts: Buffer[] = [];
  if (o.prior) parts.push(u16(o.prior.length), o.prior);
  parts.push(msg);
  parts.push(o.timersOnly ? timers(o.time, fudge) : variables(o.key.name, o.key.algorithm, o.time, fudge, error, other));
  const mac = hmac(o.key, parts);
  return { rr: tsigRR(o.key.name, o.key.algorithm, o.time, fudge, mac, o.originalId, error, other), mac };
}

/** An unsigned TSIG (empty MAC) carrying an error, for BADKEY and BADSIG (§5.3.2). */
export function unsignedError(t: TsigRecord, error: number, time: number): Buffer {
  return tsigRR(t.keyName, t.algorithm, time, t.fudge, Buffer.alloc(0), t.originalId, error, Buffer.alloc(0));
}

function tsigRR(keyName: Name, algorithm: Name | string, time: number, fudge: number, mac: Buffer, originalId: number, error: number, other: Buffer): Buffer {
  const rdata = Buffer.concat([nameToWire(typeof algorithm === 'string' ? [algorithm] : algorithm), u48(time), u16(fudge), u16(mac.length), mac, u16(originalId), u16(error), u16(other.length), other]);
  // §4.2: class ANY, TTL 0, names uncompressed.
  return Buffer.concat([nameToWire(keyName), u16(TYPE.TSIG), u16(CLASS.ANY), Buffer.alloc(4), u16(rdata.length), rdata]);
}

/** Octets a signed TSIG RR of this key takes (to keep room for it in a message). */
export function tsigSize(key: TsigKey): number {
  return nameToWire(key.name).length + 10 + nameToWire([key.algorithm]).length + 16 + ALGORITHMS[key.algorithm].size;
}

/** Appends a TSIG RR to a message, ARCOUNT incremented. */
export function appendRR(msg: Buffer, rr: Buffer): Buffer {
  const out = Buffer.concat([msg, rr]);
  out.writeUInt16BE(out.readUInt16BE(10) + 1, 10);
  return out;
}

/** 48-bit BADTIME other data: our time (§5.2.3). */
export function timeOther(now: number): Buffer {
  return u48(now);
}
