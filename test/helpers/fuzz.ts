/**
 * Fuzzing helpers: a seeded PRNG (mulberry32), a small query encoder, an
 * independent response parser that walks every section with bounds checks,
 * a generator of random and mutated query packets, a reply checker, and
 * UDP/TCP client plumbing for talking to a server over real sockets.
 *
 * Nothing here imports from src/: the parser and encoder are written from
 * RFC 1035 / RFC 6891 so that they do not share bugs with the server.
 */
import dgram from 'node:dgram';
import net from 'node:net';

// ---------------------------------------------------------------- PRNG

/** mulberry32: tiny, fast, good enough for fuzzing, fully determined by the seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rng {
  private readonly f: () => number;
  constructor(readonly seed: number) { this.f = mulberry32(seed); }
  float(): number { return this.f(); }
  /** Integer in [0, n). */
  int(n: number): number { return Math.floor(this.f() * n); }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number { return lo + this.int(hi - lo + 1); }
  bool(p = 0.5): boolean { return this.f() < p; }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]!; }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  u16(): number { return this.int(65536); }
}

/** The seed: FUZZ_SEED from the environment (decimal or 0x-hex), else the fixed default. */
export function fuzzSeed(defaultSeed: number): number {
  const s = process.env.FUZZ_SEED;
  if (!s) return defaultSeed >>> 0;
  const n = Number(s);
  if (!Number.isFinite(n)) throw new Error(`FUZZ_SEED=${s} is not a number`);
  return n >>> 0;
}

// ---------------------------------------------------------------- constants

export const T = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, DNAME: 39, OPT: 41, DS: 43,
  SPF: 99, IXFR: 251, AXFR: 252, ANY: 255, CAA: 257,
} as const;
export const C = { IN: 1, CS: 2, CH: 3, HS: 4, NONE: 254, ANY: 255 } as const;
export const R = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, BADVERS: 16 } as const;

// ---------------------------------------------------------------- encoder

export function nameLabels(text: string): string[] {
  return text === '.' || text === '' ? [] : text.replace(/\.$/, '').split('.');
}

/** Uncompressed wire name; labels are latin1 strings (one char per octet). */
export function encodeName(labels: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  for (const l of labels) {
    const b = Buffer.from(l, 'latin1');
    parts.push(Buffer.from([b.length & 0xff]), b);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

export interface OptSpec {
  udpSize: number;
  version?: number;
  do?: boolean;
  extRcode?: number;
  /** Raw option bytes (code, length, data ...), possibly malformed on purpose. */
  rdata?: Buffer;
  /** rdlength to write; defaults to rdata.length. */
  rdlen?: number;
  owner?: Buffer;
}

export function encodeOpt(o: OptSpec): Buffer {
  const rd = o.rdata ?? Buffer.alloc(0);
  const owner = o.owner ?? Buffer.from([0]);
  const h = Buffer.alloc(10);
  h.writeUInt16BE(T.OPT, 0);
  h.writeUInt16BE(o.udpSize & 0xffff, 2);
  h[4] = (o.extRcode ?? 0) & 0xff;
  h[5] = (o.version ?? 0) & 0xff;
  h.writeUInt16BE(o.do ? 0x8000 : 0, 6);
  h.writeUInt16BE((o.rdlen ?? rd.length) & 0xffff, 8);
  return Buffer.concat([owner, h, rd]);
}

export interface QuerySpec {
  id: number;
  labels: readonly string[];
  qtype: number;
  qclass?: number;
  /** Raw flags word (QR, opcode, RD, CD ...). */
  flags?: number;
  edns?: OptSpec;
}

export interface EncodedQuery { buf: Buffer; qEnd: number }

export function encodeQuery(q: QuerySpec): EncodedQuery {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(q.id & 0xffff, 0);
  h.writeUInt16BE((q.flags ?? 0) & 0xffff, 2);
  h.writeUInt16BE(1, 4);
  h.writeUInt16BE(q.edns ? 1 : 0, 10);
  const name = encodeName(q.labels);
  const tc = Buffer.alloc(4);
  tc.writeUInt16BE(q.qtype & 0xffff, 0);
  tc.writeUInt16BE((q.qclass ?? C.IN) & 0xffff, 2);
  const parts = [h, name, tc];
  if (q.edns) parts.push(encodeOpt(q.edns));
  return { buf: Buffer.concat(parts), qEnd: 12 + name.length + 4 };
}

/** A plain RR (no compression) for building extra sections. */
export function encodeRR(owner: Buffer, type: number, klass: number, ttl: number, rdata: Buffer, rdlen = rdata.length): Buffer {
  const h = Buffer.alloc(10);
  h.writeUInt16BE(type & 0xffff, 0);
  h.writeUInt16BE(klass & 0xffff, 2);
  h.writeUInt32BE(ttl >>> 0, 4);
  h.writeUInt16BE(rdlen & 0xffff, 8);
  return Buffer.concat([owner, h, rdata]);
}

function setCount(b: Buffer, section: 0 | 1 | 2 | 3, n: number): void {
  if (b.length >= 12) b.writeUInt16BE(n & 0xffff, 4 + 2 * section);
}

// ---------------------------------------------------------------- independent parser

export class WireError extends Error {}

export interface ParsedName { labels: string[]; next: number; pointers: number }

/**
 * Reads a name at `off`. The inline part must end by `limit`; pointers must go
 * strictly backwards (to an earlier position than the pointer itself), into the
 * message body (>= 12), at most 127 hops, total wire length <= 255.
 */
export function readName(b: Buffer, off: number, limit = b.length): ParsedName {
  const labels: string[] = [];
  let o = off;
  let next = -1;
  let hops = 0;
  let total = 1;
  let lim = limit;
  for (;;) {
    if (o >= lim) throw new WireError(`name at ${off} runs past ${lim}`);
    const len = b[o]!;
    if (len === 0) { if (next < 0) next = o + 1; break; }
    if ((len & 0xc0) === 0xc0) {
      if (o + 2 > lim) throw new WireError(`truncated pointer at ${o}`);
      const ptr = ((len & 0x3f) << 8) | b[o + 1]!;
      if (ptr < 12 || ptr >= o) throw new WireError(`pointer at ${o} to ${ptr} is not backwards into the body`);
      if (++hops > 127) throw new WireError(`too many pointers in name at ${off}`);
      if (next < 0) next = o + 2;
      o = ptr;
      lim = b.length;
      continue;
    }
    if (len & 0xc0) throw new WireError(`label type 0x${len.toString(16)} at ${o}`);
    if (o + 1 + len > lim) throw new WireError(`label at ${o} runs past ${lim}`);
    total += len + 1;
    if (total > 255) throw new WireError(`name at ${off} longer than 255 octets`);
    labels.push(b.toString('latin1', o + 1, o + 1 + len));
    o += 1 + len;
  }
  return { labels, next, pointers: hops };
}

export interface ParsedRR {
  name: string[];
  type: number;
  klass: number;
  ttl: number;
  rdStart: number;
  rdEnd: number;
  rdata: Buffer;
}

export interface ParsedOpt { udpSize: number; extRcode: number; version: number; do: boolean; z: number; options: { code: number; data: Buffer }[] }

export interface Parsed {
  id: number;
  flags: number;
  qr: boolean; opcode: number; aa: boolean; tc: boolean; rd: boolean; ra: boolean; z: boolean; ad: boolean; cd: boolean;
  /** Header rcode (4 bits). */
  hrcode: number;
  /** Full rcode including the OPT extension (RFC 6891 §6.1.3). */
  rcode: number;
  counts: [number, number, number, number];
  questions: { name: string[]; type: number; klass: number }[];
  answer: ParsedRR[];
  authority: ParsedRR[];
  additional: ParsedRR[];
  opt?: ParsedOpt;
  /** Offsets where the question, answer, authority and additional sections end. */
  ends: [number, number, number, number];
}

function lcName(n: readonly string[]): string {
  return n.map((l) => l.replace(/[A-Z]/g, (c) => c.toLowerCase())).join('.');
}

export function namesEqualCI(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && lcName(a) === lcName(b);
}

function checkRdata(b: Buffer, type: number, klass: number, s: number, e: number): void {
  const len = e - s;
  const nameExact = (o: number, what: string): number => {
    const n = readName(b, o, e);
    return n.next;
  };
  const mustEnd = (o: number, what: string) => { if (o !== e) throw new WireError(`${what} RDATA has ${e - o} stray octets (rdata at ${s}, len ${len})`); };
  if (type === T.OPT) return; // checked by the caller
  if (klass !== C.IN && klass !== C.CH) throw new WireError(`RR class ${klass} in a response`);
  switch (type) {
    case T.A: if (len !== 4) throw new WireError(`A RDATA length ${len}`); return;
    case T.AAAA: if (len !== 16) throw new WireError(`AAAA RDATA length ${len}`); return;
    case T.NS: case T.CNAME: case T.PTR: case T.DNAME: mustEnd(nameExact(s, 'name'), 'name'); return;
    case T.MX: if (len < 3) throw new WireError('MX RDATA too short'); mustEnd(nameExact(s + 2, 'MX'), 'MX'); return;
    case T.SRV: {
      if (len < 7) throw new WireError('SRV RDATA too short');
      const n = readName(b, s + 6, e);
      if (n.pointers) throw new WireError('SRV target is compressed (RFC 2782 forbids it)');
      mustEnd(n.next, 'SRV');
      return;
    }
    case T.SOA: { const m = nameExact(s, 'SOA mname'); const r = nameExact(m, 'SOA rname'); mustEnd(r + 20, 'SOA'); return; }
    case T.TXT: case T.SPF: {
      if (len < 1) throw new WireError('empty TXT RDATA');
      let o = s;
      while (o < e) o += 1 + b[o]!;
      mustEnd(o, 'TXT');
      return;
    }
    case T.CAA: {
      if (len < 2 || 2 + b[s + 1]! > len) throw new WireError('CAA RDATA malformed');
      return;
    }
    default: return;
  }
}

/** Parses a whole DNS message strictly; throws WireError on any inconsistency. */
export function parseMessage(b: Buffer): Parsed {
  if (b.length < 12) throw new WireError(`message of ${b.length} octets is shorter than a header`);
  const flags = b.readUInt16BE(2);
  const counts: [number, number, number, number] = [b.readUInt16BE(4), b.readUInt16BE(6), b.readUInt16BE(8), b.readUInt16BE(10)];
  let o = 12;
  const questions: Parsed['questions'] = [];
  for (let i = 0; i < counts[0]; i++) {
    const n = readName(b, o);
    o = n.next;
    if (o + 4 > b.length) throw new WireError(`question ${i} runs past the end`);
    questions.push({ name: n.labels, type: b.readUInt16BE(o), klass: b.readUInt16BE(o + 2) });
    o += 4;
  }
  const ends: [number, number, number, number] = [o, 0, 0, 0];
  const sections: ParsedRR[][] = [[], [], []];
  let opt: ParsedOpt | undefined;
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]!; i++) {
      const n = readName(b, o);
      o = n.next;
      if (o + 10 > b.length) throw new WireError(`RR header in section ${s + 1} runs past the end`);
      const type = b.readUInt16BE(o), klass = b.readUInt16BE(o + 2), ttl = b.readUInt32BE(o + 4), rdlen = b.readUInt16BE(o + 8);
      const rdStart = o + 10, rdEnd = rdStart + rdlen;
      if (rdEnd > b.length) throw new WireError(`RDATA in section ${s + 1} runs past the end (${rdEnd} > ${b.length})`);
      if (type === T.OPT) {
        if (s !== 2) throw new WireError('OPT outside the additional section');
        if (opt) throw new WireError('more than one OPT');
        if (n.labels.length) throw new WireError('OPT owner is not the root');
        const options: ParsedOpt['options'] = [];
        for (let p = rdStart; p < rdEnd;) {
          if (p + 4 > rdEnd) throw new WireError('EDNS option header runs past RDATA');
          const code = b.readUInt16BE(p), olen = b.readUInt16BE(p + 2);
          if (p + 4 + olen > rdEnd) throw new WireError('EDNS option runs past RDATA');
          options.push({ code, data: b.subarray(p + 4, p + 4 + olen) });
          p += 4 + olen;
        }
        opt = { udpSize: klass, extRcode: ttl >>> 24, version: (ttl >>> 16) & 0xff, do: (ttl & 0x8000) !== 0, z: ttl & 0x7fff, options };
      } else {
        if (ttl > 0x7fffffff) throw new WireError(`TTL ${ttl} has the top bit set (RFC 2181 §8)`);
        checkRdata(b, type, klass, rdStart, rdEnd);
      }
      sections[s]!.push({ name: n.labels, type, klass, ttl, rdStart, rdEnd, rdata: b.subarray(rdStart, rdEnd) });
      o = rdEnd;
    }
    ends[s + 1] = o;
  }
  if (o !== b.length) throw new WireError(`${b.length - o} trailing octets after the last section`);
  const hrcode = flags & 0xf;
  return {
    id: b.readUInt16BE(0), flags,
    qr: (flags & 0x8000) !== 0, opcode: (flags >> 11) & 0xf, aa: (flags & 0x0400) !== 0, tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0, ra: (flags & 0x0080) !== 0, z: (flags & 0x0040) !== 0, ad: (flags & 0x0020) !== 0, cd: (flags & 0x0010) !== 0,
    hrcode, rcode: opt ? (opt.extRcode << 4) | hrcode : hrcode,
    counts, questions, answer: sections[0]!, authority: sections[1]!, additional: sections[2]!, opt, ends,
  };
}

// ---------------------------------------------------------------- reply checking

/** What we know about the query (from decodeQuery: EDNS and question as the server read them). */
export interface QueryInfo {
  id: number;
  flags: number;
  edns?: { udpSize: number; version: number; do: boolean };
  question?: { qname: string[]; qtype: number; qclass: number };
  /** Set when the decoder reported an error (its rcode is not checked here: fuzzjudge.py judges it). */
  errorRcode?: number;
}

/** Server's own EDNS size (respond.ts EDNS_UDP_SIZE, the DNS Flag Day 2020 value). */
export const SERVER_EDNS_SIZE = 1232;

/** A reply is due when the packet is at least a header long and QR is clear (RFC 1035 §4.1.1). */
export function expectsReply(pkt: Buffer): boolean {
  return pkt.length >= 12 && (pkt[2]! & 0x80) === 0;
}

export function udpLimit(q: QueryInfo): number {
  return q.edns ? Math.min(Math.max(q.edns.udpSize, 512), SERVER_EDNS_SIZE) : 512;
}

/** Returns a list of problems (empty: fine) and the parsed reply. */
export interface CheckOptions {
  /** Zones the server serves (labels): IN answers other than REFUSED are only possible inside them. */
  zones?: string[][];
}

/** RFC 4892 names answered in class CH. */
const CHAOS_NAMES = ['version.bind', 'version.server', 'id.server', 'hostname.bind'];

function isBelow(name: readonly string[], zone: readonly string[]): boolean {
  return name.length >= zone.length && namesEqualCI(name.slice(name.length - zone.length), zone);
}

export function checkReply(reply: Buffer, q: QueryInfo, transport: 'udp' | 'tcp', opts: CheckOptions = {}): { problems: string[]; parsed?: Parsed } {
  const problems: string[] = [];
  let p: Parsed;
  try {
    p = parseMessage(reply);
  } catch (e) {
    return { problems: [`unparseable reply: ${(e as Error).message}`] };
  }
  const want = (cond: boolean, msg: string) => { if (!cond) problems.push(msg); };
  want(p.qr, 'QR clear in the reply');
  want(p.id === q.id, `ID ${p.id} != query ID ${q.id}`);
  want(p.opcode === ((q.flags >> 11) & 0xf), `opcode ${p.opcode} != query opcode ${(q.flags >> 11) & 0xf}`);
  // RD and CD are copied (RFC 1035 §4.1.1, RFC 4035 §3.1.6); the NOTIMP for an opcode we do not implement
  // carries only QR, the opcode and the rcode (what ISC's EDNS compliance tester scores ok).
  const unknownOpcode = ((q.flags >> 11) & 0xf) !== 0 && p.rcode === 4;
  want(p.rd === (!unknownOpcode && (q.flags & 0x0100) !== 0), unknownOpcode ? 'RD echoed to an unknown opcode' : 'RD not copied');
  want(p.cd === (!unknownOpcode && (q.flags & 0x0010) !== 0), unknownOpcode ? 'CD echoed to an unknown opcode' : 'CD not copied');
  want(!p.ra, 'RA set by an authoritative-only server');
  want(!p.z, 'Z bit set');
  want(p.counts[0] <= 1, `QDCOUNT ${p.counts[0]}`);
  if (transport === 'udp') {
    const lim = udpLimit(q);
    want(reply.length <= lim, `UDP reply of ${reply.length} octets exceeds ${lim} (edns ${q.edns ? q.edns.udpSize : 'none'})`);
  } else {
    want(reply.length <= 65535, `TCP reply of ${reply.length} octets`);
    want(!p.tc, 'TC set over TCP');
  }
  // EDNS: an OPT in the reply iff the server read one in the query (RFC 6891 §7).
  if (q.edns) {
    want(!!p.opt, 'query had EDNS but the reply has no OPT');
    if (p.opt) {
      want(p.opt.version === 0, `reply OPT version ${p.opt.version}`);
      want(p.opt.udpSize === SERVER_EDNS_SIZE, `reply OPT size ${p.opt.udpSize}`);
      want(p.opt.do === q.edns.do, 'DO bit not echoed');
      want(p.opt.z === 0, 'reply OPT Z bits set');
    }
  } else {
    want(!p.opt, 'reply has OPT but the query had none');
  }
  // Question echo.
  if (q.question) {
    if (p.counts[0] === 1) {
      const rq = p.questions[0]!;
      want(rq.name.join('\u0000') === q.question.qname.join('\u0000') && rq.name.length === q.question.qname.length,
        `question name not echoed verbatim: ${JSON.stringify(rq.name)} vs ${JSON.stringify(q.question.qname)}`);
      want(rq.type === q.question.qtype && rq.klass === q.question.qclass, 'question type/class not echoed');
    } else {
      want(p.tc, 'question dropped without TC');
    }
  } else {
    want(p.counts[0] === 0, 'reply has a question the query did not carry in a readable form');
  }
  // rcode rules.
  // Which error a malformed query gets is judged by dnspython (fuzzjudge.py), not by what our decoder said.
  if (q.errorRcode === undefined) {
    want(p.rcode !== R.SERVFAIL, 'SERVFAIL: the responder caught an internal exception');
    if (q.edns && q.edns.version > 0) want(p.rcode === R.BADVERS, `EDNS version ${q.edns.version} but rcode ${p.rcode}, not BADVERS`);
  }
  if (p.rcode !== R.NOERROR && p.rcode !== R.NXDOMAIN) {
    want(p.answer.length === 0 && p.authority.length === 0 && p.additional.every((r) => r.type === T.OPT),
      `rcode ${p.rcode} with records`);
    if (p.rcode !== R.SERVFAIL) want(!p.aa, `AA on rcode ${p.rcode}`);
  }
  // Semantics that hold for any question.
  const qn = q.question;
  if (qn && q.errorRcode === undefined && (p.rcode === R.NOERROR || p.rcode === R.NXDOMAIN)) {
    if (qn.qclass === C.CH) {
      // Compare label by label: a one-label name "version.bind" (version\.bind.) is not version.bind.
      want(qn.qname.length === 2 && CHAOS_NAMES.includes(lcName(qn.qname)),
        `CH answer for ${JSON.stringify(qn.qname)}, which is not one of ${CHAOS_NAMES.join(', ')}`);
    } else if (opts.zones) {
      want(opts.zones.some((z) => isBelow(qn.qname, z)), `rcode ${p.rcode} for ${JSON.stringify(qn.qname)}, outside every served zone`);
    }
    if (p.answer.length) want(namesEqualCI(p.answer[0]!.name, qn.qname), `first answer owner ${JSON.stringify(p.answer[0]!.name)} is not the qname`);
    for (const rr of [...p.answer, ...p.authority]) want(rr.klass === (qn.qclass === C.CH ? C.CH : C.IN), `RR of class ${rr.klass} for a class ${qn.qclass} question`);
  }
  return { problems, parsed: p };
}

// ---------------------------------------------------------------- query templates

/** What an unmutated query must get (answer types in order; authority type). */
/** rcode: one value, or the acceptable ones where the choice is server policy; aa unchecked when absent. */
export interface Expect { rcode: number | readonly number[]; aa?: boolean; an?: number[]; ns?: number; anyAnswer?: boolean; tcUdp512?: boolean; aValue?: string }
export interface Template { name: string; qtype: number; qclass?: number; expect: Expect }

export const TEMPLATES: readonly Template[] = [
  { name: 'example.com', qtype: T.A, expect: { rcode: 0, aa: true, an: [T.A], aValue: '192.0.2.10' } },
  { name: 'example.com', qtype: T.AAAA, expect: { rcode: 0, aa: true, an: [T.AAAA] } },
  { name: 'example.com', qtype: T.MX, expect: { rcode: 0, aa: true, an: [T.MX, T.MX] } },
  { name: 'example.com', qtype: T.TXT, expect: { rcode: 0, aa: true, an: [T.TXT, T.TXT] } },
  { name: 'example.com', qtype: T.SOA, expect: { rcode: 0, aa: true, an: [T.SOA] } },
  { name: 'example.com', qtype: T.NS, expect: { rcode: 0, aa: true, an: [T.NS, T.NS] } },
  { name: 'example.com', qtype: T.CAA, expect: { rcode: 0, aa: true, an: [T.CAA, T.CAA, T.CAA] } },
  { name: 'example.com', qtype: T.ANY, expect: { rcode: 0, aa: true, anyAnswer: true } },
  { name: 'example.com', qtype: T.ANY, qclass: C.ANY, expect: { rcode: 0, anyAnswer: true } },
  { name: 'www.example.com', qtype: T.A, qclass: C.ANY, expect: { rcode: 0, an: [T.A, T.A] } },
  { name: 'www.example.com', qtype: T.A, expect: { rcode: 0, aa: true, an: [T.A, T.A] } },
  { name: 'www.example.com', qtype: T.AAAA, expect: { rcode: 0, aa: true, an: [], ns: T.SOA } },
  { name: 'mail.example.com', qtype: T.AAAA, expect: { rcode: 0, aa: true, an: [T.AAAA] } },
  { name: 'ns1.example.com', qtype: T.A, expect: { rcode: 0, aa: true, an: [T.A] } },
  { name: 'webmail.example.com', qtype: T.A, expect: { rcode: 0, aa: true, an: [T.CNAME, T.A, T.A] } },
  { name: 'imap.example.com', qtype: T.A, expect: { rcode: 0, aa: true, an: [T.CNAME, T.A] } },
  { name: 'imap.example.com', qtype: T.CNAME, expect: { rcode: 0, aa: true, an: [T.CNAME] } },
  { name: '_submissions._tcp.example.com', qtype: T.SRV, expect: { rcode: 0, aa: true, an: [T.SRV] } },
  { name: '_tcp.example.com', qtype: T.TXT, expect: { rcode: 0, aa: true, an: [], ns: T.SOA } },
  { name: 'rsa2026._domainkey.example.com', qtype: T.TXT, expect: { rcode: 0, aa: true, an: [T.TXT] } },
  { name: 'big.example.com', qtype: T.TXT, expect: { rcode: 0, aa: true, an: [T.TXT, T.TXT, T.TXT], tcUdp512: true } },
  { name: 'foo.lab.example.com', qtype: T.A, expect: { rcode: 0, aa: true, an: [T.A], aValue: '192.0.2.99' } },
  { name: 'a.b.lab.example.com', qtype: T.A, expect: { rcode: 0, aa: true, an: [T.A], aValue: '192.0.2.99' } },
  { name: '*.lab.example.com', qtype: T.A, expect: { rcode: 0, aa: true, an: [T.A] } },
  { name: 'foo.lab.example.com', qtype: T.MX, expect: { rcode: 0, aa: true, an: [], ns: T.SOA } },
  { name: 'lab.example.com', qtype: T.A, expect: { rcode: 0, aa: true, an: [], ns: T.SOA } },
  { name: 'nonexistent.example.com', qtype: T.A, expect: { rcode: R.NXDOMAIN, aa: true, an: [], ns: T.SOA } },
  { name: 'x.y.z.example.com', qtype: T.AAAA, expect: { rcode: R.NXDOMAIN, aa: true, an: [], ns: T.SOA } },
  { name: 'sub.example.com', qtype: T.A, expect: { rcode: 0, aa: false, an: [], ns: T.NS } },
  { name: 'x.sub.example.com', qtype: T.MX, expect: { rcode: 0, aa: false, an: [], ns: T.NS } },
  { name: 'ns.sub.example.com', qtype: T.A, expect: { rcode: 0, aa: false, an: [], ns: T.NS } },
  { name: 'sub.example.com', qtype: T.DS, expect: { rcode: 0, aa: true, an: [], ns: T.SOA } },
  { name: 'mail.example.com', qtype: 65534, expect: { rcode: 0, aa: true, an: [], ns: T.SOA } },
  { name: 'example.invalid', qtype: T.A, expect: { rcode: R.REFUSED, aa: false } },
  { name: 'com', qtype: T.NS, expect: { rcode: R.REFUSED, aa: false } },
  { name: '.', qtype: T.NS, expect: { rcode: R.REFUSED, aa: false } },
  { name: 'example.com', qtype: T.AXFR, expect: { rcode: [R.REFUSED, R.NOTIMP, R.FORMERR], aa: false } },
  { name: 'example.com', qtype: T.IXFR, expect: { rcode: [R.REFUSED, R.NOTIMP, R.FORMERR], aa: false } },
  { name: 'example.com', qtype: T.A, qclass: C.CS, expect: { rcode: [R.REFUSED, R.NOTIMP], aa: false } },
  { name: 'example.com', qtype: T.OPT, expect: { rcode: [R.FORMERR, R.NOERROR], an: [] } },
  { name: 'version.bind', qtype: T.TXT, qclass: C.CH, expect: { rcode: 0, aa: true, an: [T.TXT] } },
  { name: 'id.server', qtype: T.TXT, qclass: C.CH, expect: { rcode: 0, aa: true, an: [T.TXT] } },
  { name: 'version.bind', qtype: T.A, qclass: C.CH, expect: { rcode: [R.REFUSED, R.NOERROR], an: [] } },
];

/** Checks an unmutated template query's reply against the template's expectation. */
export function checkExpect(p: Parsed, t: Template, q: QueryInfo, transport: 'udp' | 'tcp'): string[] {
  const out: string[] = [];
  const e = t.expect;
  if (q.edns && q.edns.version > 0) {
    if (p.rcode !== R.BADVERS) out.push(`want BADVERS, got ${p.rcode}`);
    return out;
  }
  const rcodes: readonly number[] = typeof e.rcode === 'number' ? [e.rcode] : e.rcode;
  if (!rcodes.includes(p.rcode)) out.push(`rcode ${p.rcode}, want ${rcodes.join(' or ')}`);
  if (e.aa !== undefined && p.aa !== e.aa) out.push(`AA ${p.aa}, want ${e.aa}`);
  if (transport === 'udp' && !q.edns && e.tcUdp512 && !p.tc) out.push('want TC over UDP without EDNS');
  if (p.tc) return out;
  if (e.an) {
    const got = p.answer.map((r) => r.type);
    if (JSON.stringify(got) !== JSON.stringify(e.an)) out.push(`answer types ${JSON.stringify(got)}, want ${JSON.stringify(e.an)}`);
    if (e.an.length && p.answer[0] && !namesEqualCI(p.answer[0].name, nameLabels(t.name))) out.push(`answer owner ${p.answer[0].name.join('.')}`);
  }
  if (e.anyAnswer && p.answer.length === 0) out.push('ANY with an empty answer');
  if (e.anyAnswer && transport === 'udp') {
    const types = new Set(p.answer.map((r) => r.type));
    if (types.size > 1) out.push(`ANY over UDP with ${types.size} RRsets (RFC 8482)`);
  }
  if (e.ns !== undefined && !(p.authority.length > 0 && p.authority.every((r) => r.type === e.ns))) out.push(`authority types ${JSON.stringify(p.authority.map((r) => r.type))}, want ${e.ns}`);
  if (e.aValue) {
    const a = p.answer.find((r) => r.type === T.A);
    if (!a || [...a.rdata].join('.') !== e.aValue) out.push(`A ${a ? [...a.rdata].join('.') : 'missing'}, want ${e.aValue}`);
  }
  return out;
}

// ---------------------------------------------------------------- packet generator

export interface Sample {
  buf: Buffer;
  /** How it was made (for the failure report). */
  how: string;
  /** Set for unmutated template queries: the expected answer can be checked. */
  template?: Template;
}

const SIZES = [0, 1, 100, 511, 512, 513, 1220, 1231, 1232, 1233, 1400, 4096, 65535];
const CLASSES = [0, C.IN, C.CS, C.CH, C.HS, C.NONE, C.ANY, 0xfffe, 0xffff];
const TYPES = [0, T.A, T.NS, T.CNAME, T.SOA, T.MX, T.TXT, T.AAAA, T.SRV, T.OPT, T.DS, T.IXFR, T.AXFR, 253, 254, T.ANY, T.CAA, 65535];

function randomCase(rng: Rng, s: string): string {
  let out = '';
  for (const ch of s) out += rng.bool(0.3) ? (ch === ch.toUpperCase() ? ch.toLowerCase() : ch.toUpperCase()) : ch;
  return out;
}

function randomLabel(rng: Rng, len: number): string {
  const kind = rng.int(4);
  let s = '';
  for (let i = 0; i < len; i++) {
    s += String.fromCharCode(kind === 0 ? rng.int(256) : kind === 1 ? 97 + rng.int(26) : rng.pick([0x2e, 0x00, 0x5c, 0x2a, 0x41, 0xff, 0x80, 0x20, 0x61]));
  }
  return s;
}

function randomOptions(rng: Rng): Buffer {
  const parts: Buffer[] = [];
  const n = rng.int(4);
  for (let i = 0; i < n; i++) {
    const code = rng.pick([3, 8, 10, 11, 12, 15, 0, 65535, rng.u16()]);
    // A COOKIE of another length is FORMERR (RFC 7873 §5.2.2): those are in the corpus, not in valid queries.
    const data = code === 10 ? rng.bytes(rng.pick([8, 16, 24, 40])) : rng.bytes(rng.int(40));
    const h = Buffer.alloc(4);
    h.writeUInt16BE(code, 0);
    h.writeUInt16BE(data.length, 2);
    parts.push(h, data);
  }
  return Buffer.concat(parts);
}

export class Generator {
  constructor(readonly rng: Rng) {}

  /** A valid query for a template: random ID, case, RD/CD, EDNS (size, DO, options). */
  valid(t = this.rng.pick(TEMPLATES), opts: { noEdnsVersion?: boolean } = {}): { buf: Buffer; qEnd: number; template: Template; how: string } {
    const r = this.rng;
    const labels = nameLabels(randomCase(r, t.name));
    let flags = 0;
    if (r.bool()) flags |= 0x0100;
    if (r.bool(0.2)) flags |= 0x0010;
    if (r.bool(0.1)) flags |= 0x0020;
    let edns: OptSpec | undefined;
    let how = `valid ${t.name}/${t.qtype}/${t.qclass ?? 1}`;
    if (r.bool(0.6)) {
      edns = { udpSize: r.pick(SIZES), do: r.bool(0.3), version: !opts.noEdnsVersion && r.bool(0.05) ? r.pick([1, 2, 255]) : 0, rdata: r.bool(0.3) ? randomOptions(r) : undefined };
      how += ` edns(${edns.udpSize},v${edns.version},do=${edns.do ? 1 : 0})`;
    }
    const q = encodeQuery({ id: r.u16(), labels, qtype: t.qtype, qclass: t.qclass ?? C.IN, flags, edns });
    return { ...q, template: t, how };
  }

  /** Structural mutation of a valid query. */
  structural(base: { buf: Buffer; qEnd: number }): { buf: Buffer; how: string } {
    const r = this.rng;
    const b = Buffer.from(base.buf);
    const hdr = b.subarray(0, 12);
    const question = b.subarray(12, base.qEnd);
    const rest = b.subarray(base.qEnd);
    const qtail = question.subarray(question.length - 4);
    const withHeader = (h: Buffer, ...parts: Buffer[]) => Buffer.concat([h, ...parts]);
    const hcopy = () => Buffer.from(hdr);
    switch (r.int(22)) {
      case 0: { // count fields
        const s = r.int(4) as 0 | 1 | 2 | 3;
        const v = r.pick([0, 1, 2, 3, 0xff, 0x100, 0x7fff, 0xffff, r.u16()]);
        setCount(b, s, v);
        return { buf: b, how: `count[${s}]=${v}` };
      }
      case 1: { // pointer to itself in the question
        const h = hcopy();
        return { buf: withHeader(h, Buffer.from([0xc0, 0x0c]), qtail, rest), how: 'qname pointer to itself' };
      }
      case 2: { // pointer forward or into the header
        const h = hcopy();
        const ptr = r.bool() ? r.range(14, 0x3fff) : r.range(0, 11);
        return { buf: withHeader(h, Buffer.from([0xc0 | (ptr >> 8), ptr & 0xff]), qtail, rest), how: `qname pointer to ${ptr}` };
      }
      case 3: { // label then pointer loop back onto itself
        const h = hcopy();
        return { buf: withHeader(h, Buffer.from([3, 0x61, 0x62, 0x63, 0xc0, 0x0c]), qtail, rest), how: 'qname label + pointer to qname start' };
      }
      case 4: { // RR in answer section whose owner points at itself
        const h = hcopy();
        setCount(h, 1, 1);
        const at = 12 + question.length;
        const owner = Buffer.from([0xc0 | (at >> 8), at & 0xff]);
        return { buf: withHeader(h, question, encodeRR(owner, T.A, C.IN, 0, Buffer.alloc(4)), rest), how: 'answer RR owner pointer to itself' };
      }
      case 5: { // two names pointing at each other
        const h = hcopy();
        setCount(h, 3, (h.readUInt16BE(10) + 2) & 0xffff);
        const x = 12 + question.length + rest.length;
        const rr1 = encodeRR(Buffer.from([0xc0 | ((x + 12) >> 8), (x + 12) & 0xff]), T.A, C.IN, 0, Buffer.alloc(0));
        const rr2 = encodeRR(Buffer.from([0xc0 | (x >> 8), x & 0xff]), T.A, C.IN, 0, Buffer.alloc(0));
        return { buf: withHeader(h, question, rest, rr1, rr2), how: 'additional RRs with mutually pointing owners' };
      }
      case 6: { // long chain of backwards pointers (beyond and within the hop limit)
        const k = r.pick([1, 2, 60, 125, 126, 127, 128, 200, r.range(1, 400)]);
        const h = hcopy();
        setCount(h, 3, (h.readUInt16BE(10) + 2) & 0xffff);
        const rdStart = 12 + question.length + rest.length + 1 + 10;
        const chain = Buffer.alloc(2 * k);
        for (let i = 0; i < k; i++) {
          const target = i === 0 ? 12 : rdStart + 2 * (i - 1);
          chain[2 * i] = 0xc0 | (target >> 8);
          chain[2 * i + 1] = target & 0xff;
        }
        const holder = encodeRR(Buffer.from([0]), 0xff00, C.IN, 0, chain);
        const last = rdStart + 2 * (k - 1);
        const rr = encodeRR(Buffer.from([0xc0 | (last >> 8), last & 0xff]), T.A, C.IN, 0, Buffer.alloc(4));
        return { buf: withHeader(h, question, rest, holder, rr), how: `pointer chain of ${k} hops` };
      }
      case 7: { // huge label length byte
        const v = r.pick([63, 64, 0x3f, 0x40, 0x7f, 0x80, 0xbf, 0xff, r.range(64, 255)]);
        b[12] = v;
        return { buf: b, how: `first label length ${v}` };
      }
      case 8: { // label length past the end
        b[12] = Math.min(63, b.length - 12);
        return { buf: b.subarray(0, r.range(13, b.length)), how: 'label runs past the end' };
      }
      case 9: { // long names around the 255 limit
        const target = r.pick([253, 254, 255, 256, 257, 300, 500]);
        const suffix = r.pick(['example.com', 'lab.example.com', 'sub.example.com', 'www.example.com']);
        const labels: string[] = [];
        let room = target - encodeName(nameLabels(suffix)).length; // octets left for the prefix labels
        while (room >= 2) {
          let l = Math.min(63, room - 1);
          if (room - (l + 1) === 1) l--; // never leave a 1-octet hole
          labels.push('a'.repeat(l));
          room -= l + 1;
        }
        labels.push(...nameLabels(suffix));
        const name = encodeName(labels);
        const tail = Buffer.from(qtail);
        if (r.bool(0.5)) tail.writeUInt16BE(r.pick([T.A, T.ANY, T.TXT, T.MX, T.NS]), 0);
        return { buf: withHeader(hcopy(), name, tail, rest), how: `qname of ${name.length} octets under ${suffix}` };
      }
      case 10: { // label of 63/64 octets
        const l = r.pick([63, 64]);
        const name = Buffer.concat([Buffer.from([l]), Buffer.alloc(l, 0x78), encodeName(nameLabels('example.com'))]);
        return { buf: withHeader(hcopy(), name, qtail, rest), how: `label of ${l}` };
      }
      case 11: case 12: case 13: { // OPT variants
        const h = hcopy();
        const v = r.int(10);
        const opt = (o: Partial<OptSpec> = {}) => encodeOpt({ udpSize: r.pick(SIZES), version: r.bool(0.8) ? 0 : r.int(256), do: r.bool(), extRcode: r.bool(0.8) ? 0 : r.int(256), rdata: randomOptions(r), ...o });
        let extra: Buffer[];
        let ar = 1;
        let an = 0;
        let how: string;
        switch (v) {
          case 0: extra = [opt()]; how = 'OPT random'; break;
          case 1: extra = [opt(), opt()]; ar = 2; how = 'two OPTs'; break;
          case 2: extra = [opt({ owner: encodeName(['x'].concat(r.bool() ? [] : ['example', 'com'])) })]; how = 'OPT owner not root'; break;
          case 3: { const rd = randomOptions(r); extra = [opt({ rdata: rd, rdlen: rd.length + r.range(1, 50) })]; how = 'OPT rdlen past the end'; break; }
          case 4: { const bad = Buffer.from([0, 10, 0, r.range(9, 255), 1, 2, 3, 4, 5, 6, 7, 8]); extra = [opt({ rdata: bad })]; how = 'EDNS option length past RDATA'; break; }
          case 5: extra = [opt({ rdata: r.bytes(r.range(1, 3)) })]; how = 'EDNS option header truncated'; break;
          case 6: extra = [opt()]; ar = 0; an = 1; how = 'OPT in the answer section'; break;
          case 7: extra = [encodeRR(encodeName([]), 250, C.ANY, 0, r.bytes(r.int(60))), opt()]; ar = 2; how = 'TSIG-like RR then OPT'; break;
          case 8: extra = [opt({ version: r.range(1, 255) })]; how = 'OPT version > 0'; break;
          default: extra = [opt({ udpSize: r.pick([0, 1, 511, 512, 65535]), rdata: Buffer.alloc(0) })]; how = 'OPT odd size'; break;
        }
        setCount(h, 1, an);
        setCount(h, 3, ar);
        return { buf: withHeader(h, question, ...extra), how };
      }
      case 14: { // opcode
        const op = r.int(16);
        b[2] = (b[2]! & 0x87) | (op << 3);
        return { buf: b, how: `opcode ${op}` };
      }
      case 15: { // QR set or random flags
        if (r.bool()) { b[2] = b[2]! | 0x80; return { buf: b, how: 'QR set' }; }
        b.writeUInt16BE(r.u16() & 0x7fff, 2);
        return { buf: b, how: `flags 0x${b.readUInt16BE(2).toString(16)}` };
      }
      case 16: { // class/type
        const qt = question.length - 4;
        if (r.bool()) { const c = r.pick(CLASSES); b.writeUInt16BE(c, 12 + qt + 2); return { buf: b, how: `qclass ${c}` }; }
        const t = r.pick(TYPES); b.writeUInt16BE(t, 12 + qt); return { buf: b, how: `qtype ${t}` };
      }
      case 17: { // several questions / none
        const h = hcopy();
        if (r.bool()) { setCount(h, 0, 2); return { buf: withHeader(h, question, question, rest), how: 'QDCOUNT 2' }; }
        setCount(h, 0, 0);
        return { buf: withHeader(h, rest), how: 'QDCOUNT 0, no question' };
      }
      case 18: // trailing garbage
        return { buf: Buffer.concat([b, r.bytes(r.range(1, 100))]), how: 'trailing garbage' };
      case 19: { // odd labels: dots, NULs, high octets, "version.bind" as one label
        const labels = r.bool(0.3) ? [r.pick(['version.bind', 'id.server', 'VERSION.BIND', 'example.com'])] : Array.from({ length: r.range(1, 5) }, () => randomLabel(r, r.range(1, 20)));
        if (r.bool()) labels.push('example', 'com');
        const name = encodeName(labels);
        const tail = Buffer.from(qtail);
        if (r.bool(0.3)) tail.writeUInt16BE(C.CH, 2);
        return { buf: withHeader(hcopy(), name, tail, rest), how: `labels ${JSON.stringify(labels)}` };
      }
      case 20: { // compression in the question pointing into a previous question
        const h = hcopy();
        setCount(h, 0, 2);
        const p = 12 + r.int(question.length - 4);
        return { buf: withHeader(h, question, Buffer.from([0xc0 | (p >> 8), p & 0xff]), qtail, rest), how: `second question pointer to ${p}` };
      }
      default: { // random RRs in the answer/authority sections
        const h = hcopy();
        const n = r.range(1, 4);
        const rrs: Buffer[] = [];
        for (let i = 0; i < n; i++) rrs.push(encodeRR(r.bool() ? Buffer.from([0xc0, 0x0c]) : encodeName(['x']), r.pick(TYPES), r.pick(CLASSES), r.u16(), r.bytes(r.int(30))));
        setCount(h, r.bool() ? 1 : 2, n);
        return { buf: withHeader(h, question, ...rrs, rest), how: `${n} random RRs` };
      }
    }
  }

  /** Byte-level mutation (bit flips, truncation, insertion, deletion, overwrite, duplication). */
  bytewise(buf: Buffer): { buf: Buffer; how: string } {
    const r = this.rng;
    let b = Buffer.from(buf);
    switch (r.int(6)) {
      case 0: {
        const n = r.range(1, 8);
        for (let i = 0; i < n && b.length; i++) { const p = r.int(b.length); b[p] = b[p]! ^ (1 << r.int(8)); }
        return { buf: b, how: `${n} bit flips` };
      }
      case 1: { const n = r.int(b.length + 1); return { buf: b.subarray(0, n), how: `truncated to ${n}` }; }
      case 2: {
        const p = r.int(b.length + 1);
        const ins = r.bytes(r.range(1, 8));
        return { buf: Buffer.concat([b.subarray(0, p), ins, b.subarray(p)]), how: `insert ${ins.length} at ${p}` };
      }
      case 3: {
        const p = r.int(b.length + 1);
        const n = r.range(1, 8);
        return { buf: Buffer.concat([b.subarray(0, p), b.subarray(p + n)]), how: `delete ${n} at ${p}` };
      }
      case 4: {
        if (!b.length) return { buf: b, how: 'noop' };
        const p = r.int(b.length);
        const v = r.pick([0, 0xff, 0xc0, 0x3f, 0x40, 0x80, r.int(256)]);
        b[p] = v;
        return { buf: b, how: `byte ${p}=0x${v.toString(16)}` };
      }
      default: {
        const p = r.int(b.length + 1);
        const n = r.int(Math.max(1, b.length - p));
        b = Buffer.concat([b.subarray(0, p + n), b.subarray(p, p + n), b.subarray(p + n)]);
        return { buf: b, how: `duplicate ${n} at ${p}` };
      }
    }
  }

  mutated(): Sample {
    const r = this.rng;
    const v = this.valid();
    let buf = v.buf;
    const hows = [v.how];
    if (r.bool(0.6)) { const s = this.structural(v); buf = s.buf; hows.push(s.how); }
    const n = r.bool(0.3) ? 0 : r.range(1, 3);
    for (let i = 0; i < n; i++) { const m = this.bytewise(buf); buf = m.buf; hows.push(m.how); }
    if (buf.length > 65535) buf = buf.subarray(0, 65535);
    return { buf, how: hows.join(' + ') };
  }

  /** Random bytes, random length 0-600 (some weight on lengths around the header size). */
  random(): Sample {
    const r = this.rng;
    const len = r.bool(0.1) ? r.int(20) : r.int(601);
    return { buf: r.bytes(len), how: `random ${len} octets` };
  }

  /** A plausible header (QR clear, opcode 0 mostly, small counts) followed by random octets or names. */
  structured(): Sample {
    const r = this.rng;
    const h = Buffer.alloc(12);
    h.writeUInt16BE(r.u16(), 0);
    h.writeUInt16BE(r.bool(0.8) ? r.u16() & 0x07ff & ~0x0040 : r.u16() & 0x7fff, 2);
    h.writeUInt16BE(r.bool(0.8) ? 1 : r.int(4), 4);
    for (let s = 1; s < 4; s++) h.writeUInt16BE(r.bool(0.6) ? 0 : r.int(4), 4 + 2 * s);
    const body = r.bool()
      ? r.bytes(r.int(300))
      : Buffer.concat([encodeName(Array.from({ length: r.int(6) }, () => randomLabel(r, r.range(1, 30)))), r.bytes(r.int(40))]);
    return { buf: Buffer.concat([h, body]), how: 'structured random' };
  }

  /** Mix used by both the unit and socket fuzzers. */
  next(): Sample {
    const x = this.rng.float();
    if (x < 0.1) { const v = this.valid(); return { buf: v.buf, how: v.how, template: v.template }; }
    if (x < 0.6) return this.mutated();
    if (x < 0.85) return this.random();
    return this.structured();
  }
}

export function hex(b: Buffer): string {
  return b.toString('hex');
}

// ---------------------------------------------------------------- TCP framing

/** The frames a server following RFC 1035 §4.2.2 cuts out of a byte stream (an incomplete tail is dropped). */
export function framesOf(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let o = 0;
  while (stream.length - o >= 2) {
    const len = stream.readUInt16BE(o);
    if (stream.length - o - 2 < len) break;
    out.push(stream.subarray(o + 2, o + 2 + len));
    o += 2 + len;
  }
  return out;
}

export function frame(msg: Buffer, lenOverride?: number): Buffer {
  const h = Buffer.alloc(2);
  h.writeUInt16BE((lenOverride ?? msg.length) & 0xffff, 0);
  return Buffer.concat([h, msg]);
}

// ---------------------------------------------------------------- socket clients

/** Sends `msg` over UDP and resolves with the reply (rejects after `timeoutMs`). */
export function udpQuery(port: number, msg: Buffer, timeoutMs = 2000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => { s.close(); reject(new Error(`UDP timeout after ${timeoutMs} ms`)); }, timeoutMs);
    s.on('message', (m) => { clearTimeout(t); s.close(); resolve(m); });
    s.on('error', (e) => { clearTimeout(t); s.close(); reject(e); });
    s.send(msg, port, '127.0.0.1');
  });
}

export interface TcpResult {
  frames: Buffer[];
  /** Octets received that did not form a whole frame. */
  leftover: number;
  /** How the connection ended: the server's FIN, a reset/close, or our timeout. */
  ended: 'fin' | 'close' | 'timeout' | 'error';
  error?: string;
}

/**
 * Writes `chunks` in order (with a macrotask between writes so they leave as
 * separate segments), then either half-closes and waits for the server to
 * finish (its FIN), or resets the connection right away. With `readDelayMs`,
 * reading starts only that long after connecting.
 */
export function tcpSession(port: number, chunks: Buffer[], finish: 'fin' | 'destroy', timeoutMs = 3000, readDelayMs = 0): Promise<TcpResult> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    sock.setNoDelay(true);
    // A slow reader: replies pile up in the server's send buffer (its backpressure path).
    if (readDelayMs > 0) { sock.pause(); setTimeout(() => sock.resume(), readDelayMs); }
    let data = Buffer.alloc(0);
    let done = false;
    const finishWith = (ended: TcpResult['ended'], error?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const frames = framesOf(data);
      const used = frames.reduce((n, f) => n + 2 + f.length, 0);
      resolve({ frames, leftover: data.length - used, ended, error });
    };
    const timer = setTimeout(() => finishWith('timeout'), timeoutMs);
    sock.on('data', (d: Buffer) => { data = Buffer.concat([data, d]); });
    sock.on('end', () => finishWith('fin'));
    sock.on('close', () => finishWith('close'));
    sock.on('error', (e) => finishWith('error', e.message));
    sock.on('connect', async () => {
      for (const c of chunks) {
        if (done) return;
        sock.write(c);
        if (chunks.length > 1) await new Promise((r) => setImmediate(r));
      }
      if (finish === 'fin') sock.end();
      else finishWith('close');
    });
  });
}

/** One query over TCP, reply frame returned. */
export async function tcpQuery(port: number, msg: Buffer, timeoutMs = 2000): Promise<Buffer> {
  const r = await tcpSession(port, [frame(msg)], 'fin', timeoutMs);
  if (r.frames.length !== 1) throw new Error(`TCP query: ${r.frames.length} reply frames, ended by ${r.ended}${r.error ? ` (${r.error})` : ''}`);
  return r.frames[0]!;
}

/** Splits `b` into 1..max chunks at random points, some of them single octets. */
export function randomChunks(rng: Rng, b: Buffer, max: number): Buffer[] {
  if (b.length <= 1) return [b];
  const cuts = new Set<number>();
  const n = rng.range(1, max) - 1;
  for (let i = 0; i < n; i++) cuts.add(1 + rng.int(b.length - 1));
  if (rng.bool(0.3)) cuts.add(1); // a lone first octet of the length prefix
  const sorted = [...cuts].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let p = 0;
  for (const c of sorted) { out.push(b.subarray(p, c)); p = c; }
  out.push(b.subarray(p));
  return out;
}

/** A free port on 127.0.0.1 for both TCP and UDP (best effort: closed again before use). */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
    });
    const udpOk = await new Promise<boolean>((resolve) => {
      const u = dgram.createSocket('udp4');
      u.once('error', () => { u.close(); resolve(false); });
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (udpOk) return port;
  }
  throw new Error('no free port found');
}

// ---------------------------------------------------------------- fixed edge cases

/** Hand-made edge packets, run before the random ones on every seed. */
export function corpus(): Sample[] {
  const out: Sample[] = [];
  const add = (how: string, buf: Buffer, template?: Template) => out.push({ how, buf, template });
  const q = (name: string, qtype: number, qclass: number = C.IN, edns?: OptSpec, flags = 0) =>
    encodeQuery({ id: 0x1234, labels: nameLabels(name), qtype, qclass, edns, flags });
  const hdr = (qd: number, an = 0, ns = 0, ar = 0, flags = 0) => {
    const h = Buffer.alloc(12);
    h.writeUInt16BE(0xbeef, 0); h.writeUInt16BE(flags, 2);
    h.writeUInt16BE(qd, 4); h.writeUInt16BE(an, 6); h.writeUInt16BE(ns, 8); h.writeUInt16BE(ar, 10);
    return h;
  };
  const qt = Buffer.from([0, 1, 0, 1]);
  const ex = encodeName(['example', 'com']);
  for (const n of [0, 1, 2, 11]) add(`${n} octets`, Buffer.alloc(n));
  add('header only, QDCOUNT 0', hdr(0));
  add('header only, QDCOUNT 1', hdr(1));
  add('QDCOUNT 65535, one question', Buffer.concat([hdr(0xffff), ex, qt]));
  add('ANCOUNT 65535', Buffer.concat([hdr(1, 0xffff), ex, qt]));
  add('ARCOUNT 65535', Buffer.concat([hdr(1, 0, 0, 0xffff), ex, qt]));
  add('QR set', Buffer.concat([hdr(1, 0, 0, 0, 0x8000), ex, qt]));
  add('qname pointer to itself', Buffer.concat([hdr(1), Buffer.from([0xc0, 12]), qt]));
  add('qname pointer to offset 0', Buffer.concat([hdr(1), Buffer.from([0xc0, 0]), qt]));
  add('qname pointer past the end', Buffer.concat([hdr(1), Buffer.from([0xff, 0xff]), qt]));
  add('qname truncated pointer', Buffer.concat([hdr(1), Buffer.from([0xc0])]));
  add('label + pointer loop', Buffer.concat([hdr(1), Buffer.from([1, 0x61, 0xc0, 12]), qt]));
  add('label type 01', Buffer.concat([hdr(1), Buffer.from([0x41, 0x61]), ex, qt]));
  add('label type 10', Buffer.concat([hdr(1), Buffer.from([0x81, 0x61]), ex, qt]));
  add('label of 63', Buffer.concat([hdr(1), encodeName(['x'.repeat(63), 'example', 'com']), qt]));
  add('label of 64', Buffer.concat([hdr(1), Buffer.from([64]), Buffer.alloc(64, 0x78), ex, qt]));
  for (const len of [255, 256]) {
    const labels: string[] = [];
    let room = len - ex.length;
    while (room >= 2) { let l = Math.min(63, room - 1); if (room - (l + 1) === 1) l--; labels.push('b'.repeat(l)); room -= l + 1; }
    add(`name of ${len} octets`, Buffer.concat([hdr(1), encodeName([...labels, 'example', 'com']), qt]));
    add(`name of ${len} octets under the wildcard, ANY`, Buffer.concat([hdr(1), encodeName([...labels.slice(1), 'c'.repeat(Math.max(1, labels[0]!.length - 4)), 'lab', 'example', 'com']), Buffer.from([0, 255, 0, 1])]));
  }
  // Chains of backwards pointers: 126 hops is the decoder's limit.
  for (const k of [125, 126, 127, 300]) {
    const h = hdr(1, 0, 0, 2);
    const rdStart = 12 + ex.length + 4 + 1 + 10;
    const chain = Buffer.alloc(2 * k);
    for (let i = 0; i < k; i++) { const t = i === 0 ? 12 : rdStart + 2 * (i - 1); chain[2 * i] = 0xc0 | (t >> 8); chain[2 * i + 1] = t & 0xff; }
    const last = rdStart + 2 * (k - 1);
    add(`pointer chain of ${k} hops`, Buffer.concat([h, ex, qt, encodeRR(Buffer.from([0]), 0xff00, C.IN, 0, chain),
      encodeRR(Buffer.from([0xc0 | (last >> 8), last & 0xff]), T.A, C.IN, 0, Buffer.alloc(4))]));
  }
  // OPT variants.
  const optQ = (how: string, ...rrs: Buffer[]) => add(how, Buffer.concat([hdr(1, 0, 0, rrs.length), ex, qt, ...rrs]));
  optQ('OPT size 0', encodeOpt({ udpSize: 0 }));
  optQ('OPT size 65535', encodeOpt({ udpSize: 65535 }));
  optQ('OPT version 1', encodeOpt({ udpSize: 1232, version: 1 }));
  optQ('OPT version 255, DO', encodeOpt({ udpSize: 1232, version: 255, do: true }));
  optQ('two OPTs', encodeOpt({ udpSize: 1232 }), encodeOpt({ udpSize: 4096 }));
  optQ('OPT owner not root', encodeOpt({ udpSize: 1232, owner: ex }));
  optQ('OPT owner pointer to the root', encodeOpt({ udpSize: 1232, owner: Buffer.from([0xc0, 12 + ex.length - 1]) }));
  optQ('EDNS option past RDATA', encodeOpt({ udpSize: 1232, rdata: Buffer.from([0, 10, 0, 20, 1, 2, 3, 4]) }));
  optQ('EDNS option header truncated', encodeOpt({ udpSize: 1232, rdata: Buffer.from([0, 10, 0]) }));
  optQ('OPT rdlength past the end', encodeOpt({ udpSize: 1232, rdata: Buffer.alloc(0), rdlen: 100 }));
  for (const len of [0, 3, 9, 15, 41]) optQ(`COOKIE of ${len} octets`, encodeOpt({ udpSize: 1232, rdata: Buffer.concat([Buffer.from([0, 10, 0, len]), Buffer.alloc(len, 7)]) }));
  optQ('OPT ext rcode and Z bits set', Buffer.concat([encodeOpt({ udpSize: 1232, extRcode: 0xff, do: true })]));
  add('OPT in the answer section', Buffer.concat([hdr(1, 1, 0, 0), ex, qt, encodeOpt({ udpSize: 1232 })]));
  // Class, type and opcode rules.
  add('class NONE', q('example.com', T.A, C.NONE).buf);
  add('class ANY, type ANY', q('example.com', T.ANY, C.ANY).buf, TEMPLATES.find((t) => t.qclass === C.ANY && t.qtype === T.ANY));
  for (let op = 1; op < 16; op++) add(`opcode ${op}`, q('example.com', T.A, C.IN, undefined, op << 11).buf);
  add('QDCOUNT 2', Buffer.concat([hdr(2), ex, qt, ex, qt]));
  add('QDCOUNT 2, second compressed', Buffer.concat([hdr(2), ex, qt, Buffer.from([0xc0, 12]), qt]));
  // CHAOS: the name is two labels; "version.bind" as one label (version\.bind.) is another name.
  add('CH TXT version\\.bind. (one label)', encodeQuery({ id: 1, labels: ['version.bind'], qtype: T.TXT, qclass: C.CH }).buf);
  add('CH TXT id\\.server. (one label)', encodeQuery({ id: 2, labels: ['id.server'], qtype: T.TXT, qclass: C.CH }).buf);
  add('CH TXT VERSION.BIND', encodeQuery({ id: 3, labels: ['VERSION', 'BIND'], qtype: T.TXT, qclass: C.CH }).buf);
  // Truncation: the 1.1 KB TXT RRset at big.example.com.
  const big = TEMPLATES.find((t) => t.name === 'big.example.com')!;
  for (const size of [undefined, 0, 512, 600, 1232, 4096]) {
    add(`big TXT, ${size === undefined ? 'no EDNS' : `EDNS ${size}`}`, q('big.example.com', T.TXT, C.IN, size === undefined ? undefined : { udpSize: size }).buf, big);
  }
  add('ANY at the apex, no EDNS', q('example.com', T.ANY).buf, TEMPLATES.find((t) => t.qtype === T.ANY && !t.qclass));
  // Every template at sizes around the truncation points, with and without DO.
  for (const t of TEMPLATES) {
    for (const size of [undefined, 512, 513, 600, 700, 800, 900, 1000, 1100, 1200, 1231, 1232, 1233]) {
      const edns = size === undefined ? undefined : { udpSize: size, do: size % 2 === 1 };
      add(`${t.name}/${t.qtype}/${t.qclass ?? 1} ${size === undefined ? 'no EDNS' : `EDNS ${size}`}`, q(t.name, t.qtype, t.qclass ?? C.IN, edns).buf, t);
    }
  }
  return out;
}
