/**
 * Parser for RFC 1035 §5 master files ("zone files" as read by BIND and NSD).
 *
 * Pure: takes the file's text, touches no file system. It splits the text into
 * entries and resolves owner, TTL, class and type; RDATA is handed back as
 * presentation-format tokens for the caller to interpret (names in RDATA are
 * left as written, see `absoluteName` and `ZoneFileRecord.origin`).
 *
 * Every error is collected with its line and column; the entry with the error
 * is skipped and parsing carries on with the next one.
 */
import { MAX_TTL, parseDuration } from '../util/ttl.js';
import { isAbsolute, NameError, parseName } from '../util/name.js';

export interface ZoneFileRecord {
  /** Absolute presentation name ending in '.', case and escapes kept as written. */
  owner: string;
  /** Seconds. */
  ttl: number;
  /** Upper-case class mnemonic: 'IN', 'CH', ... or 'CLASSnnn' (CLASS1 is reported as 'IN', etc.). */
  class: string;
  /** Upper-case type mnemonic: 'A', 'MX', ... or 'TYPEnnn'. */
  type: string;
  /** RDATA tokens as written; quoted strings keep their quotes, parentheses and comments removed. */
  rdata: string[];
  /** 1-based line where the record starts. */
  line: number;
  /** The $ORIGIN in effect for this record (to resolve relative names in `rdata`), if any. */
  origin?: string;
}

export interface ZoneFileError {
  line: number;
  col: number;
  message: string;
  /** `opts.file`, when one was given. */
  file?: string;
}

export interface ZoneFileOptions {
  /** Initial origin; made absolute if it lacks the trailing dot. */
  origin?: string;
  /** TTL for records when neither the record, a $TTL, an SOA nor a previous record gives one. */
  defaultTtl?: number;
  /** Only copied into errors. */
  file?: string;
}

export interface ZoneFileResult {
  records: ZoneFileRecord[];
  errors: ZoneFileError[];
  /** `opts.origin` (made absolute) or else the first $ORIGIN in the file. */
  origin?: string;
}

const TYPES = new Set(
  ('A NS CNAME SOA PTR MX TXT AAAA SRV CAA TLSA DS DNSKEY RRSIG NSEC NSEC3 NSEC3PARAM SSHFP HINFO NAPTR ' +
    'DNAME SPF SVCB HTTPS OPENPGPKEY SMIMEA CDS CDNSKEY CSYNC ZONEMD LOC RP AFSDB KX CERT URI').split(' '),
);
const CLASSES = new Set(['IN', 'CH', 'HS', 'CS', 'ANY']);
/** RFC 3597 §5 `CLASSnnn` spellings of the mnemonics, folded so IN and CLASS1 compare equal. */
const CLASS_NUMBERS: Record<string, string> = { CLASS1: 'IN', CLASS2: 'CS', CLASS3: 'CH', CLASS4: 'HS', CLASS255: 'ANY' };

/** Mnemonic or RFC 3597 §5 `TYPEnnn` / `CLASSnnn` (upper-case input). */
function isCode(up: string, known: Set<string>, generic: RegExp): boolean {
  const m = generic.exec(up);
  return known.has(up) || (m !== null && Number(m[1]) <= 65535);
}

/** TTL in seconds or BIND units (1h30m); undefined when malformed or above 2^31-1 (RFC 2181 §8). */
function parseTtl(text: string): number | undefined {
  const v = /^[0-9]/.test(text) ? parseDuration(text) : undefined;
  return v !== undefined && v <= MAX_TTL ? v : undefined;
}

/**
 * Resolves a presentation-format name against `origin` (RFC 1035 §5.1): '@' is
 * the origin, a name ending in an unescaped '.' is absolute, anything else gets
 * the origin appended. Escapes are kept as written; case is not changed.
 */
export function absoluteName(name: string, origin: string): string {
  const o = isAbsolute(origin) ? origin : origin + '.';
  if (name === '@') return o;
  if (isAbsolute(name)) return name;
  return o === '.' ? name + '.' : `${name}.${o}`;
}

interface Token { text: string; line: number; col: number; quoted: boolean }
/** One logical line: a record or a directive. `blankOwner`: it starts with whitespace. */
interface Entry { tokens: Token[]; line: number; blankOwner: boolean; bad: boolean }

/** A `\DDD` escape must have three digits and be at most 255 (RFC 1035 §5.1). */
function badEscape(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '\\') continue;
    if (/[0-9]/.test(text[i + 1] ?? '')) {
      const d = text.slice(i + 1, i + 4);
      if (!/^[0-9]{3}$/.test(d) || Number(d) > 255) return `bad escape "\\${d}": \\DDD needs three digits, at most 255`;
    }
    i++;
  }
  return undefined;
}

/**
 * Splits the text into entries (RFC 1035 §5.1): tokens are separated by blanks,
 * ';' starts a comment running to the end of the line, parentheses let an entry
 * continue across line ends, and a quoted string is one token (with `\"`, `\\`
 * escapes) that must end on its own line.
 */
function lex(text: string, err: (line: number, col: number, msg: string) => void): Entry[] {
  const entries: Entry[] = [];
  const lines = text.split('\n');
  let cur: Entry | undefined;
  let depth = 0; // parentheses may nest, as in BIND
  let paren = { line: 0, col: 0 }; // where the outermost open '(' is
  for (let i = 0; i < lines.length; i++) {
    const s = lines[i]!.replace(/\r$/, '');
    const ln = i + 1;
    const entry = (): Entry => (cur ??= { tokens: [], line: ln, blankOwner: s[0] === ' ' || s[0] === '\t', bad: false });
    const fail = (col: number, msg: string): void => { err(ln, col, msg); entry().bad = true; };
    let p = 0;
    while (p < s.length) {
      const c = s[p]!;
      const col = p + 1;
      if (c === ' ' || c === '\t' || c === '\r') { p++; continue; }
      if (c === ';') break;
      if (c === '(') {
        entry();
        if (depth++ === 0) paren = { line: ln, col };
        p++;
        continue;
      }
      if (c === ')') {
        if (depth === 0) fail(col, 'unbalanced parentheses: ")" without "("');
        else depth--;
        p++;
        continue;
      }
      let q = p + (c === '"' ? 1 : 0);
      const stop = c === '"' ? '"' : ' \t\r;()';
      while (q < s.length && !stop.includes(s[q]!)) q += s[q] === '\\' ? 2 : 1;
      if (q > s.length) { fail(s.length, 'backslash at end of line'); break; }
      if (c === '"' && q >= s.length) { fail(col, 'unterminated quoted string'); break; }
      const tok = s.slice(p, c === '"' ? q + 1 : q);
      const bad = badEscape(tok);
      if (bad) fail(col, bad);
      entry().tokens.push({ text: tok, line: ln, col, quoted: c === '"' });
      p = c === '"' ? q + 1 : q;
    }
    if (depth === 0 && cur) { entries.push(cur); cur = undefined; }
  }
  if (depth > 0) {
    err(paren.line, paren.col, 'unbalanced parentheses: "(" never closed');
    if (cur) entries.push({ ...cur, bad: true });
  }
  return entries;
}

/** Parses a master file. See the module comment; `opts` may be `{}`. */
export function parseZoneFile(text: string, opts: ZoneFileOptions = {}): ZoneFileResult {
  const records: ZoneFileRecord[] = [];
  const errors: ZoneFileError[] = [];
  const err = (line: number, col: number, message: string): void => {
    errors.push(opts.file === undefined ? { line, col, message } : { line, col, message, file: opts.file });
  };
  const fail = (t: Token, message: string): undefined => { err(t.line, t.col, message); return undefined; };

  let origin = opts.origin === undefined ? undefined : absoluteName(opts.origin, '.');
  let zoneOrigin = origin;
  let dollarTtl: number | undefined;
  let lastTtl: number | undefined;
  let lastClass: string | undefined;
  let lastOwner: string | undefined;

  /** A domain name token made absolute against the current origin, or undefined after an error. */
  const name = (t: Token): string | undefined => {
    if (t.quoted) return fail(t, `a domain name cannot be a quoted string: ${t.text}`);
    if (origin === undefined && (t.text === '@' || !isAbsolute(t.text))) {
      return fail(t, `"${t.text}" needs an origin: use $ORIGIN or write an absolute name ending in "."`);
    }
    const abs = absoluteName(t.text, origin ?? '.');
    try {
      parseName(abs);
    } catch (e) {
      if (e instanceof NameError) return fail(t, e.message);
      throw e;
    }
    return abs;
  };

  /** $ORIGIN, $TTL and $INCLUDE (RFC 1035 §5.1, RFC 2308 §4). */
  const directive = (e: Entry): void => {
    const [d, ...args] = e.tokens as [Token, ...Token[]];
    const kw = d.text.toUpperCase();
    if (kw === '$INCLUDE') { fail(d, '$INCLUDE is not supported'); return; }
    if (kw !== '$ORIGIN' && kw !== '$TTL') { fail(d, `unknown directive ${d.text}`); return; }
    if (args.length !== 1) { fail(d, `${kw} takes exactly one argument`); return; }
    const arg = args[0]!;
    if (kw === '$TTL') {
      const v = parseTtl(arg.text);
      if (v === undefined) fail(arg, `invalid TTL "${arg.text}"`);
      else dollarTtl = v;
      return;
    }
    const o = name(arg);
    if (o !== undefined) { origin = o; zoneOrigin ??= o; }
  };

  /** `[owner] [ttl] [class] type rdata...`, TTL and class in either order (RFC 1035 §5.1). */
  const record = (e: Entry): ZoneFileRecord | undefined => {
    const toks = e.tokens;
    let i = 0;
    let owner: string | undefined;
    if (e.blankOwner) {
      if (lastOwner === undefined) return fail(toks[0]!, 'line starts with a blank but there is no previous owner name');
      owner = lastOwner;
    } else {
      owner = name(toks[i++]!);
      if (owner === undefined) return undefined;
      lastOwner = owner;
    }
    let ttl: number | undefined;
    let cls: string | undefined;
    for (; i < toks.length && !toks[i]!.quoted; i++) {
      const t = toks[i]!;
      const up = t.text.toUpperCase();
      if (ttl === undefined && /^[0-9]/.test(t.text)) {
        ttl = parseTtl(t.text);
        if (ttl === undefined) return fail(t, `invalid TTL "${t.text}"`);
      } else if (cls === undefined && isCode(up, CLASSES, /^CLASS([0-9]{1,5})$/)) {
        cls = CLASS_NUMBERS[up.replace(/^CLASS0+(?=[0-9])/, 'CLASS')] ?? up;
      } else break;
    }
    const tt = toks[i++];
    if (tt === undefined) return fail(toks[toks.length - 1]!, 'missing type');
    const type = tt.text.toUpperCase();
    if (tt.quoted || !isCode(type, TYPES, /^TYPE([0-9]{1,5})$/)) return fail(tt, `unknown type "${tt.text}"`);
    const rdata = toks.slice(i).map((t) => t.text);
    if (rdata.length === 0) return fail(tt, `${type} record has no RDATA`);
    if (rdata[0] === '\\#') {
      // RFC 3597 §5: \# <length> <hex>..., the hex may be split into several tokens.
      const hex = rdata.slice(2).join('');
      const len = /^[0-9]+$/.test(rdata[1] ?? '') ? Number(rdata[1]) : NaN;
      if (!(hex.length === len * 2 && /^[0-9a-fA-F]*$/.test(hex))) {
        return fail(toks[i]!, `generic RDATA: expected \\# <length> and exactly <length> octets of hex`);
      }
    }
    cls ??= lastClass ?? 'IN';
    if (lastClass !== undefined && cls !== lastClass) return fail(tt, `class ${cls} differs from ${lastClass}: one class per file`);
    // RFC 1035 §5.1 / RFC 2308 §4: $TTL, else the SOA minimum for the SOA itself,
    // else the previous record's TTL, else the caller's default.
    const soaMin = type === 'SOA' && rdata[6] !== undefined ? parseTtl(rdata[6]) : undefined;
    ttl ??= dollarTtl ?? soaMin ?? lastTtl ?? opts.defaultTtl;
    if (ttl === undefined) return fail(tt, 'no TTL: give one on the record or add a $TTL line');
    lastClass = cls;
    lastTtl = ttl;
    const rec: ZoneFileRecord = { owner, ttl, class: cls, type, rdata, line: e.line };
    if (origin !== undefined) rec.origin = origin;
    return rec;
  };

  for (const e of lex(text, err)) {
    if (e.bad || e.tokens.length === 0) continue;
    const first = e.tokens[0]!;
    if (!first.quoted && first.text.startsWith('$')) directive(e);
    else {
      const r = record(e);
      if (r) records.push(r);
    }
  }
  errors.sort((a, b) => a.line - b.line || a.col - b.col); // lexing finds some errors before parsing finds others
  return zoneOrigin === undefined ? { records, errors } : { records, errors, origin: zoneOrigin };
}
