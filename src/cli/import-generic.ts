/**
 * Presentation form → wire RDATA for types that wire/rdata.ts has no text form
 * for, so `mailns import` can carry them over as RFC 3597 generic data
 * (`\# len hex`, which mailns serves for any type). One table entry per type,
 * like wire/rdata.ts; SVCB and HTTPS are in ./import-svcb.ts. A type that gets
 * a text form in wire/rdata.ts should leave this table (a test checks that the
 * two never overlap).
 *
 * An encoder throws EncodeError with the index of the token at fault; the one
 * caller, `encodeGeneric`, turns that into a value.
 */
import type { Name } from '../util/name.js';
import { TYPE, typeFromText } from '../wire/constants.js';
import { parseRdata } from '../wire/rdata.js';
import { charStringOctets } from '../wire/text.js';
import { encodeSvcb } from './import-svcb.js';
import { EncodeError, Tokens, base64, u8, u16, u32 } from './import-tokens.js';

function hex(t: Tokens, what: string): Buffer {
  const at = t.i;
  const s = t.rest(what);
  if (!/^([0-9a-fA-F]{2})+$/.test(s)) t.fail(`${what} is not an even number of hex digits`, at);
  return Buffer.from(s, 'hex');
}

// ---- LOC, RFC 1876 §3 (text form) and §2 (wire form) ----

/** Metres with at most two decimals → centimetres, or undefined. */
function centimetres(text: string, signed: boolean): number | undefined {
  const m = (signed ? /^(-?)([0-9]+)(?:\.([0-9]{1,2}))?m?$/ : /^()([0-9]+)(?:\.([0-9]{1,2}))?m?$/).exec(text);
  if (!m) return undefined;
  const cm = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] === '-' ? -cm : cm;
}

/** RFC 1876 §2 SIZE/HORIZ PRE/VERT PRE: mantissa and power of ten of centimetres, rounded down as RFC 1876 Appendix A does. */
function precision(cm: number): number {
  let e = 0;
  while (e < 9 && cm >= 10 ** (e + 1)) e++;
  return (Math.min(Math.floor(cm / 10 ** e), 9) << 4) | e;
}

/** `d [m [s.sss]] N|S` or the same with E|W: thousandths of an arc second from 2^31 (RFC 1876 §2). */
function angle(t: Tokens, max: number, hemis: [string, string]): number {
  const what = max === 90 ? 'latitude' : 'longitude';
  const start = t.i;
  const parts: string[] = [];
  while (!t.done && !hemis.includes(t.peek()!.toUpperCase()) && parts.length < 3) parts.push(t.next(what));
  const h = t.next(`${what} hemisphere (${hemis.join(' or ')})`).toUpperCase();
  if (!hemis.includes(h)) t.fail(`${what}: expected ${hemis.join(' or ')}, got "${h}"`, t.i - 1);
  if (parts.length === 0) t.fail(`${what}: missing degrees`, start);
  const [d, m = '0', s = '0'] = parts;
  if (!/^[0-9]+$/.test(d!) || Number(d) > max) t.fail(`${what} degrees: "${d}" is not 0-${max}`, start);
  if (!/^[0-9]+$/.test(m) || Number(m) > 59) t.fail(`${what} minutes: "${m}" is not 0-59`, start + 1);
  const sm = /^([0-9]+)(?:\.([0-9]{1,3}))?$/.exec(s);
  if (!sm || Number(sm[1]) > 59) t.fail(`${what} seconds: "${s}" is not 0-59.999`, start + 2);
  const ms = ((Number(d) * 60 + Number(m)) * 60 + Number(sm[1])) * 1000 + Number((sm[2] ?? '').padEnd(3, '0'));
  if (ms > max * 3600 * 1000) t.fail(`${what} is beyond ${max} degrees`, start);
  return h === hemis[0] ? 2 ** 31 + ms : 2 ** 31 - ms;
}

function loc(t: Tokens): Buffer {
  const lat = angle(t, 90, ['N', 'S']);
  const lon = angle(t, 180, ['E', 'W']);
  const altText = t.next('altitude');
  const alt = centimetres(altText, true);
  // RFC 1876 §2: altitude in centimetres above a base 100,000 m below the WGS 84 spheroid.
  if (alt === undefined || alt < -10000000 || alt > 4284967295) t.fail(`altitude: "${altText}" is not -100000.00 to 42849672.95 metres`, t.i - 1);
  // RFC 1876 §3: defaults 1 m size, 10,000 m horizontal and 10 m vertical precision.
  const sizes = [100, 1000000, 1000];
  for (let k = 0; k < 3 && !t.done; k++) {
    const s = t.next('size');
    const cm = centimetres(s, false);
    if (cm === undefined || cm > 9000000000) t.fail(`${['size', 'horizontal precision', 'vertical precision'][k]}: "${s}" is not 0 to 90000000.00 metres`, t.i - 1);
    sizes[k] = cm;
  }
  t.end();
  return Buffer.concat([u8(0), ...sizes.map((cm) => u8(precision(cm))), u32(lat), u32(lon), u32(alt + 10000000)]);
}

// ---- CERT, RFC 4398 §2 ----

const CERT_TYPES: Record<string, number> = { PKIX: 1, SPKI: 2, PGP: 3, IPKIX: 4, ISPKI: 5, IPGP: 6, ACPKIX: 7, IACPKIX: 8, URI: 253, OID: 254 };
/** DNSSEC algorithm mnemonics (RFC 4034 Appendix A.1 and the IANA registry). */
const ALGORITHMS: Record<string, number> = {
  RSAMD5: 1, DH: 2, DSA: 3, RSASHA1: 5, 'DSA-NSEC3-SHA1': 6, 'RSASHA1-NSEC3-SHA1': 7, RSASHA256: 8, RSASHA512: 10,
  'ECC-GOST': 12, ECDSAP256SHA256: 13, ECDSAP384SHA384: 14, ED25519: 15, ED448: 16, INDIRECT: 252, PRIVATEDNS: 253, PRIVATEOID: 254,
};

function mnemonic(t: Tokens, what: string, table: Record<string, number>, max: number): number {
  const v = table[t.peek()?.toUpperCase() ?? ''];
  if (v === undefined) return t.int(what, max);
  t.i++;
  return v;
}

/** Flags, protocol, algorithm, public key (RFC 4034 §2.2). */
function dnskey(t: Tokens): Buffer {
  return Buffer.concat([u16(t.int('flags', 65535)), u8(t.int('protocol', 255)), u8(mnemonic(t, 'algorithm', ALGORITHMS, 255)), base64(t, 'public key')]);
}

/** NSEC-style type bitmap (RFC 4034 §4.1.2), as CSYNC uses it (RFC 7477 §2.1.2). */
function typeBitmap(t: Tokens): Buffer {
  const types = new Set<number>();
  while (!t.done) {
    const s = t.next('type');
    const v = typeFromText(s);
    if (v === undefined) t.fail(`"${s}" is not a type mnemonic or TYPEnnn`, t.i - 1);
    types.add(v);
  }
  const windows = new Map<number, number[]>();
  for (const v of [...types].sort((a, b) => a - b)) {
    const bits = windows.get(v >> 8) ?? [];
    const lo = v & 0xff;
    while (bits.length <= lo >> 3) bits.push(0);
    bits[lo >> 3]! |= 0x80 >> (lo & 7);
    windows.set(v >> 8, bits);
  }
  return Buffer.concat([...windows].map(([w, bits]) => Buffer.from([w, bits.length, ...bits])));
}

/** Reuses a wire/rdata.ts text form for a type with the same RDATA layout (RFC 7344 §3.1 CDS is DS; RFC 8162 §2 SMIMEA is TLSA). */
const sameAs = (type: number) => (t: Tokens): Buffer => {
  try { return parseRdata(type, t.list, t.origin).wire; } catch (e) { return t.fail((e as Error).message, 0); }
};

type Encoder = (t: Tokens) => Buffer;

const ENCODERS = new Map<number, Encoder>([
  [TYPE.LOC, loc],
  // RFC 3403 §4.1: order, preference, flags, services, regexp, replacement.
  [TYPE.NAPTR, (t) => { const b = Buffer.concat([u16(t.int('order', 65535)), u16(t.int('preference', 65535)), t.charString('flags'), t.charString('services'), t.charString('regexp'), t.name('replacement')]); t.end(); return b; }],
  [TYPE.SVCB, (t) => encodeSvcb(t)],
  [TYPE.HTTPS, (t) => encodeSvcb(t)],
  // RFC 7553 §4.5: priority, weight, and the target URI as the rest of the RDATA (no length octet).
  [TYPE.URI, (t) => {
    const b = Buffer.concat([u16(t.int('priority', 65535)), u16(t.int('weight', 65535))]);
    const target = charStringOctets(t.next('target'));
    if (target.length === 0) t.fail('target: an empty URI', t.i - 1);
    t.end();
    return Buffer.concat([b, target]);
  }],
  // RFC 1183 §2.2: mailbox and TXT owner names.
  [TYPE.RP, (t) => { const b = Buffer.concat([t.name('mailbox'), t.name('TXT name')]); t.end(); return b; }],
  // RFC 1183 §1: subtype and hostname.
  [TYPE.AFSDB, (t) => { const b = Buffer.concat([u16(t.int('subtype', 65535)), t.name('hostname')]); t.end(); return b; }],
  // RFC 2230 §3.1: preference and exchanger.
  [TYPE.KX, (t) => { const b = Buffer.concat([u16(t.int('preference', 65535)), t.name('exchanger')]); t.end(); return b; }],
  // RFC 4398 §2.2: type, key tag, algorithm (mnemonics allowed), base64 certificate.
  [TYPE.CERT, (t) => Buffer.concat([u16(mnemonic(t, 'certificate type', CERT_TYPES, 65535)), u16(t.int('key tag', 65535)), u8(mnemonic(t, 'algorithm', ALGORITHMS, 255)), base64(t, 'certificate')])],
  [TYPE.DNSKEY, dnskey],
  [TYPE.CDNSKEY, dnskey],
  [TYPE.CDS, sameAs(TYPE.DS)],
  [TYPE.SMIMEA, sameAs(TYPE.TLSA)],
  // RFC 7929 §2.3: the key, base64.
  [TYPE.OPENPGPKEY, (t) => base64(t, 'key')],
  // RFC 7477 §2.1: SOA serial, flags, type bitmap.
  [TYPE.CSYNC, (t) => Buffer.concat([u32(t.int('SOA serial', 0xffffffff)), u16(t.int('flags', 65535)), typeBitmap(t)])],
  // RFC 8976 §2.2: serial, scheme, hash algorithm, digest.
  [TYPE.ZONEMD, (t) => Buffer.concat([u32(t.int('serial', 0xffffffff)), u8(t.int('scheme', 255)), u8(t.int('hash algorithm', 255)), hex(t, 'digest')])],
]);

/** Types this table can encode. */
export const GENERIC_TYPES: readonly number[] = [...ENCODERS.keys()];

/**
 * The wire RDATA of a record of a type listed in GENERIC_TYPES, from its
 * presentation tokens; undefined for a type not listed; or the error and
 * the index of the token it is about.
 */
export function encodeGeneric(type: number, tokens: string[], origin: Name): Buffer | { error: string; token: number } | undefined {
  const enc = ENCODERS.get(type);
  if (!enc) return undefined;
  try {
    const wire = enc(new Tokens(tokens, origin));
    if (wire.length > 65535) return { error: `RDATA is ${wire.length} octets; the limit is 65535`, token: 0 };
    return wire;
  } catch (e) {
    if (e instanceof EncodeError) return { error: e.message, token: e.token };
    throw e;
  }
}
