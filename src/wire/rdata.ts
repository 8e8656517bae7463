/**
 * RDATA codecs, one table entry per RR type (the dns-packet shape): parse the
 * presentation tokens into wire parts, and print wire RDATA back as text.
 * Anything not in the table is still publishable as RFC 3597 `\# len hex`.
 */
import { isIP } from 'node:net';
import { type Name, isAbsolute, nameToText, nameToWire, parseName } from '../util/name.js';
import { parseDuration } from '../util/ttl.js';
import { TYPE, typeFromText, typeToText } from './constants.js';
import { charStringOctets, charStringToText, tokenize } from './text.js';

/** A piece of RDATA: raw octets, or a domain name the writer may compress. */
export type RdataPart = Buffer | { name: Name };

export interface Rdata {
  /** Wire pieces; names inside are compressible only for RFC 1035 types (RFC 3597 §4). */
  parts: RdataPart[];
  /** Uncompressed wire RDATA: for equality, ordering and size. */
  wire: Buffer;
  /** The origin appended to a name in it that was written relative (for the forgotten-trailing-dot lint). */
  relativeTo?: Name;
}

export class RdataError extends Error {
  /** A more specific problem id than the generic "rdata". */
  constructor(message: string, readonly rule?: string) { super(message); }
}

interface Codec {
  parse(tokens: string[], origin: Name): RdataPart[];
  /** Names in RDATA that want A/AAAA in the additional section (RFC 1034 §3.6.2 and friends). */
  target?(parts: RdataPart[]): Name | undefined;
}

function u8(n: number): Buffer { return Buffer.from([n]); }
function u16(n: number): Buffer { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b; }
function u32(n: number): Buffer { const b = Buffer.alloc(4); b.writeUInt32BE(n >>> 0); return b; }

function int(tok: string | undefined, what: string, max: number): number {
  if (tok === undefined || !/^[0-9]+$/.test(tok)) throw new RdataError(`${what}: expected a number, got ${tok === undefined ? 'nothing' : `"${tok}"`}`);
  const n = Number(tok);
  if (n > max) throw new RdataError(`${what}: ${n} is above the maximum ${max}`);
  return n;
}

function need(tokens: string[], n: number, shape: string): void {
  if (tokens.length !== n) throw new RdataError(`expected ${n} field${n === 1 ? '' : 's'} (${shape}), got ${tokens.length}`);
}

/** Set while parseRdata runs: the origin appended to a name written relative in the RDATA (RFC 1035 §5.1). */
let sawRelative: Name | undefined;

function name(tok: string | undefined, origin: Name): Name {
  if (tok === undefined) throw new RdataError('missing domain name');
  if (tok !== '@' && !isAbsolute(tok)) sawRelative = origin;
  try { return parseName(tok, origin); } catch (e) { throw new RdataError((e as Error).message); }
}

function hex(tok: string, what: string): Buffer {
  if (!/^([0-9a-fA-F]{2})*$/.test(tok)) throw new RdataError(`${what}: "${tok.slice(0, 40)}" is not an even number of hex digits`);
  return Buffer.from(tok, 'hex');
}

function ipv4(tok: string | undefined): Buffer {
  if (tok === undefined || isIP(tok) !== 4) throw new RdataError(`"${tok ?? ''}" is not an IPv4 address`);
  // isIP has checked the dotted quad: four decimal numbers of at most 255.
  const out = Buffer.allocUnsafe(4);
  let at = 0, n = 0;
  for (let i = 0; i < tok.length; i++) {
    const c = tok.charCodeAt(i);
    if (c === 46) { out[at++] = n; n = 0; } else n = n * 10 + c - 48;
  }
  out[at] = n;
  return out;
}

export function ipv6ToBytes(text: string): Buffer {
  // Caller has checked the syntax with net.isIP; this only expands it.
  let s = text;
  let tail: number[] = [];
  const m = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (m) {
    const b = ipv4(m[2]);
    tail = [b.readUInt16BE(0), b.readUInt16BE(2)];
    s = m[1]!;
    if (!s.endsWith('::')) s = s.slice(0, -1);
  }
  const groupsOf = (x: string) => (x === '' ? [] : x.split(':').map((g) => parseInt(g, 16)));
  const dbl = s.indexOf('::');
  let groups: number[];
  if (dbl >= 0) {
    const head = groupsOf(s.slice(0, dbl));
    const rest = [...groupsOf(s.slice(dbl + 2)), ...tail];
    groups = [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
  } else {
    groups = [...groupsOf(s), ...tail];
  }
  const out = Buffer.alloc(16);
  groups.slice(0, 8).forEach((g, i) => out.writeUInt16BE(g & 0xffff, i * 2));
  return out;
}

function ipv6(tok: string | undefined): Buffer {
  if (tok === undefined || isIP(tok) !== 6) throw new RdataError(`"${tok ?? ''}" is not an IPv6 address`);
  return ipv6ToBytes(tok);
}

function charStrings(tokens: string[]): Buffer[] {
  if (tokens.length === 0) throw new RdataError('expected at least one character-string');
  return tokens.map((t) => {
    const b = charStringOctets(t);
    // RFC 1035 §3.3: a <character-string> is at most 255 octets.
    if (b.length > 255) throw new RdataError(`a character-string is ${b.length} octets; the limit is 255 (RFC 1035 §3.3): split it into several quoted strings`, 'txt-string-length');
    return Buffer.concat([u8(b.length), b]);
  });
}

const nameTarget = (i: number) => (parts: RdataPart[]) => {
  const p = parts[i];
  return p && !Buffer.isBuffer(p) ? p.name : undefined;
};

const singleName: Codec = {
  parse: (t, o) => { need(t, 1, 'a domain name'); return [{ name: name(t[0], o) }]; },
};

const CODECS = new Map<number, Codec>([
  [TYPE.A, { parse: (t) => { need(t, 1, 'an IPv4 address'); return [ipv4(t[0])]; } }],
  [TYPE.AAAA, { parse: (t) => { need(t, 1, 'an IPv6 address'); return [ipv6(t[0])]; } }],
  [TYPE.NS, { ...singleName, target: nameTarget(0) }],
  [TYPE.CNAME, { ...singleName, target: nameTarget(0) }],
  [TYPE.PTR, { ...singleName, target: nameTarget(0) }],
  // RFC 6672: DNAME target is not compressed.
  [TYPE.DNAME, { parse: (t, o) => { need(t, 1, 'a domain name'); return [nameToWire(name(t[0], o))]; } }],
  [TYPE.MX, {
    parse: (t, o) => { need(t, 2, 'preference exchange'); return [u16(int(t[0], 'MX preference', 65535)), { name: name(t[1], o) }]; },
    target: nameTarget(1),
  }],
  [TYPE.SOA, {
    parse: (t, o) => {
      need(t, 7, 'mname rname serial refresh retry expire minimum');
      const timers = t.slice(2).map((x, i) => {
        const v = i === 0 ? (/^[0-9]+$/.test(x) ? Number(x) : undefined) : parseDuration(x);
        if (v === undefined || v > 0xffffffff) throw new RdataError(`SOA field ${i + 3}: "${x}" is not a 32-bit number`);
        return u32(v);
      });
      return [{ name: name(t[0], o) }, { name: name(t[1], o) }, Buffer.concat(timers)];
    },
  }],
  [TYPE.TXT, { parse: (t) => [Buffer.concat(charStrings(t))] }],
  [TYPE.SPF, { parse: (t) => [Buffer.concat(charStrings(t))] }],
  [TYPE.HINFO, { parse: (t) => { need(t, 2, 'cpu os'); return [Buffer.concat(charStrings(t))]; } }],
  // RFC 2782: SRV target is never compressed.
  [TYPE.SRV, {
    parse: (t, o) => {
      need(t, 4, 'priority weight port target');
      return [Buffer.concat([u16(int(t[0], 'SRV priority', 65535)), u16(int(t[1], 'SRV weight', 65535)), u16(int(t[2], 'SRV port', 65535)), nameToWire(name(t[3], o))])];
    },
    target: (parts) => srvTarget(parts[0] as Buffer),
  }],
  // RFC 8659 §4.1: flags, tag, value (the value is the rest, not a character-string).
  [TYPE.CAA, {
    parse: (t) => {
      need(t, 3, 'flags tag "value"');
      const tag = t[1]!;
      if (!/^[a-zA-Z0-9]{1,15}$/.test(tag)) throw new RdataError(`CAA tag "${tag}" must be 1-15 letters or digits (RFC 8659 §4.1)`);
      return [Buffer.concat([u8(int(t[0], 'CAA flags', 255)), u8(tag.length), Buffer.from(tag, 'ascii'), charStringOctets(t[2]!)])];
    },
  }],
  // RFC 6698 §2.2
  [TYPE.TLSA, {
    parse: (t) => {
      if (t.length < 4) throw new RdataError('expected usage selector matching-type data');
      return [Buffer.concat([u8(int(t[0], 'TLSA usage', 255)), u8(int(t[1], 'TLSA selector', 255)), u8(int(t[2], 'TLSA matching type', 255)), hex(t.slice(3).join(''), 'TLSA data')])];
    },
  }],
  [TYPE.SSHFP, {
    parse: (t) => {
      if (t.length < 3) throw new RdataError('expected algorithm fp-type fingerprint');
      return [Buffer.concat([u8(int(t[0], 'SSHFP algorithm', 255)), u8(int(t[1], 'SSHFP type', 255)), hex(t.slice(2).join(''), 'SSHFP fingerprint')])];
    },
  }],
  [TYPE.DS, {
    parse: (t) => {
      if (t.length < 4) throw new RdataError('expected key-tag algorithm digest-type digest');
      return [Buffer.concat([u16(int(t[0], 'DS key tag', 65535)), u8(int(t[1], 'DS algorithm', 255)), u8(int(t[2], 'DS digest type', 255)), hex(t.slice(3).join(''), 'DS digest')])];
    },
  }],
]);

function srvTarget(b: Buffer): Name | undefined {
  const labels: string[] = [];
  let o = 6;
  while (o < b.length && b[o] !== 0) { labels.push(b.toString('latin1', o + 1, o + 1 + b[o]!)); o += b[o]! + 1; }
  return labels.length ? labels : undefined;
}

/** RFC 3597 §5: `\# <length> <hex>` works for every type. */
function parseGeneric(tokens: string[]): RdataPart[] {
  const len = int(tokens[1], 'generic RDATA length', 65535);
  const data = hex(tokens.slice(2).join(''), 'generic RDATA');
  if (data.length !== len) throw new RdataError(`generic RDATA says ${len} octets but has ${data.length} (RFC 3597 §5)`);
  return [data];
}

export function wireOf(parts: RdataPart[]): Buffer {
  // One piece of bytes (A, AAAA, TXT...) is its own wire form: shared, not copied (the RDATA is never written to).
  if (parts.length === 1 && Buffer.isBuffer(parts[0])) return parts[0];
  return Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : nameToWire(p.name))));
}

export function parseRdata(type: number, tokens: string[], origin: Name): Rdata {
  let parts: RdataPart[];
  sawRelative = undefined;
  if (tokens[0] === '\\#') {
    parts = parseGeneric(tokens);
    const codec = CODECS.get(type);
    if (codec) {
      // RFC 3597 §5: generic data of a known type must be valid RDATA of that
      // type; decoding it through the text form also gives names for
      // compression and additional processing.
      const text = rdataToText(type, parts[0] as Buffer);
      if (text.startsWith('\\#')) throw new RdataError(`the generic data is not valid ${typeToText(type)} RDATA`);
      parts = codec.parse(tokenize(text), []);
    }
  } else {
    const codec = CODECS.get(type);
    if (!codec) throw new RdataError(`type ${typeToText(type)} has no text form here: write it as RFC 3597 generic data, \\# <length> <hex>`);
    parts = codec.parse(tokens, origin);
  }
  const wire = wireOf(parts);
  if (wire.length > 65535) throw new RdataError(`RDATA is ${wire.length} octets; the limit is 65535`);
  return sawRelative ? { parts, wire, relativeTo: sawRelative } : { parts, wire };
}

/** Target name for additional-section processing, when the type has one. */
export function rdataTarget(type: number, rdata: Rdata): Name | undefined {
  return CODECS.get(type)?.target?.(rdata.parts);
}

export function isKnownType(text: string): boolean {
  return typeFromText(text) !== undefined;
}

// ---- wire → text (zone-file export, explain, tests) ----

class Reader {
  o = 0;
  constructor(readonly b: Buffer) {}
  u8(): number { if (this.o + 1 > this.b.length) throw new RdataError('short RDATA'); return this.b[this.o++]!; }
  u16(): number { if (this.o + 2 > this.b.length) throw new RdataError('short RDATA'); const v = this.b.readUInt16BE(this.o); this.o += 2; return v; }
  u32(): number { if (this.o + 4 > this.b.length) throw new RdataError('short RDATA'); const v = this.b.readUInt32BE(this.o); this.o += 4; return v; }
  name(): string {
    const labels: string[] = [];
    for (;;) {
      const l = this.u8();
      if (l === 0) break;
      if (l > 63 || this.o + l > this.b.length) throw new RdataError('bad name in RDATA');
      labels.push(this.b.toString('latin1', this.o, this.o + l));
      this.o += l;
    }
    return nameToText(labels);
  }
  bytes(n?: number): Buffer { const end = n === undefined ? this.b.length : this.o + n; if (end > this.b.length) throw new RdataError('short RDATA'); const v = this.b.subarray(this.o, end); this.o = end; return v; }
  cs(): string { return charStringToText(this.bytes(this.u8())); }
  done(): boolean { return this.o >= this.b.length; }
}

const hexUp = (b: Buffer) => b.toString('hex').toUpperCase();

export function rdataToText(type: number, wire: Buffer): string {
  const r = new Reader(wire);
  try {
    let s: string;
    switch (type) {
      case TYPE.A: s = [...r.bytes(4)].join('.'); break;
      case TYPE.AAAA: { const b = r.bytes(16); const g: string[] = []; for (let i = 0; i < 16; i += 2) g.push(b.readUInt16BE(i).toString(16)); s = compressV6(g); break; }
      case TYPE.NS: case TYPE.CNAME: case TYPE.PTR: case TYPE.DNAME: s = r.name(); break;
      case TYPE.MX: s = `${r.u16()} ${r.name()}`; break;
      case TYPE.SOA: s = `${r.name()} ${r.name()} ${r.u32()} ${r.u32()} ${r.u32()} ${r.u32()} ${r.u32()}`; break;
      case TYPE.TXT: case TYPE.SPF: case TYPE.HINFO: { const p: string[] = []; while (!r.done()) p.push(r.cs()); s = p.join(' '); break; }
      case TYPE.SRV: s = `${r.u16()} ${r.u16()} ${r.u16()} ${r.name()}`; break;
      case TYPE.CAA: { const f = r.u8(); const tag = r.bytes(r.u8()).toString('latin1'); s = `${f} ${tag} ${charStringToText(r.bytes())}`; break; }
      case TYPE.TLSA: case TYPE.SSHFP: { const a = r.u8(); const b = r.u8(); s = type === TYPE.TLSA ? `${a} ${b} ${r.u8()} ${hexUp(r.bytes())}` : `${a} ${b} ${hexUp(r.bytes())}`; break; }
      case TYPE.DS: s = `${r.u16()} ${r.u8()} ${r.u8()} ${hexUp(r.bytes())}`; break;
      default: return generic(wire);
    }
    if (!r.done()) return generic(wire);
    return s;
  } catch {
    return generic(wire);
  }
}

function generic(wire: Buffer): string {
  return wire.length ? `\\# ${wire.length} ${hexUp(wire)}` : '\\# 0';
}

/** RFC 5952 text of eight hex groups (each without leading zeros). */
export function compressV6(g: string[]): string {
  // RFC 5952 §4.2: the longest run of two or more zero groups becomes '::'.
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== '0') { i++; continue; }
    let j = i; while (j < 8 && g[j] === '0') j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return g.join(':');
  return g.slice(0, best).join(':') + '::' + g.slice(best + bestLen).join(':');
}

