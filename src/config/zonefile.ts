/**
 * Parser for RFC 1035 §5 master files ("zone files" as read by BIND and NSD).
 *
 * Pure: takes the file's text, touches no file system (a $INCLUDE is read
 * through the caller's `include`). It splits the text into entries and resolves
 * owner, TTL, class and type; RDATA is handed back as presentation-format
 * tokens for the caller to interpret (names in RDATA are left as written, see
 * `absoluteName` and `ZoneFileRecord.origin`). BIND's `$GENERATE` is expanded.
 *
 * Every error is collected with its file, line and column; the entry with the
 * error is skipped and parsing carries on with the next one.
 */
import { MAX_TTL, parseDuration } from '../util/ttl.js';
import { isAbsolute, NameError, parseName } from '../util/name.js';
import { type Entry, type Pos, type Token, lex } from './zonefile-lex.js';
import { compileTemplate, parseRange, rangeCount, renderTemplate } from './zonefile-generate.js';

export type { Pos } from './zonefile-lex.js';

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
  /**
   * Where the parts were written, so a finding can point at its token: the
   * owner (the first token when the owner is left blank), TTL and class when
   * given, the type, and one place per RDATA token. A `$GENERATE` record's
   * places are the directive's lhs, type and rhs tokens.
   */
  at: { owner: Pos; ttl?: Pos; class?: Pos; type: Pos; rdata: Pos[] };
  /** The file it was read from: `opts.file`, or the file a $INCLUDE named. */
  file?: string;
  /** For a record `$GENERATE` made: where the directive is, and the iterator value. */
  generated?: { line: number; col: number; value: number };
}

export interface ZoneFileError {
  line: number;
  col: number;
  message: string;
  /** `opts.file`, or the included file the error is in, when known. */
  file?: string;
  /** A more specific id than the caller's generic one: `include`, `generate`. */
  rule?: string;
}

/** A $INCLUDE file as the caller read it. */
export interface IncludedFile {
  /** Its name for findings, and to tell a file that includes itself. */
  file: string;
  text: string;
}

export interface ZoneFileOptions {
  /** Initial origin; made absolute if it lacks the trailing dot. */
  origin?: string;
  /** TTL for records when neither the record, a $TTL, an SOA nor a previous record gives one. */
  defaultTtl?: number;
  /** Copied into errors and records, and passed to `include` as the including file. */
  file?: string;
  /**
   * Reads the file a `$INCLUDE` names (as written, quotes removed), `from` the
   * file that includes it (`opts.file`, or an included file's `file`). Without
   * it a $INCLUDE is an error.
   */
  include?: (name: string, from: string | undefined) => IncludedFile | { error: string };
  /** How deep $INCLUDE may nest; default 8. */
  maxIncludeDepth?: number;
  /** How many records one $GENERATE may make; default 65536. */
  maxGenerate?: number;
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

/** Parses a master file. See the module comment; `opts` may be `{}`. */
export function parseZoneFile(text: string, opts: ZoneFileOptions = {}): ZoneFileResult {
  const records: ZoneFileRecord[] = [];
  const maxDepth = opts.maxIncludeDepth ?? 8;
  const maxGenerate = opts.maxGenerate ?? 65536;
  let zoneOrigin = opts.origin === undefined ? undefined : absoluteName(opts.origin, '.');
  // TTLs and the class carry on into and out of included files, as in BIND;
  // origin and previous owner belong to one file (RFC 1035 §5.1: a $INCLUDE
  // never changes the origin of the file that includes it).
  let dollarTtl: number | undefined;
  let lastTtl: number | undefined;
  let lastClass: string | undefined;

  /** Parses one file; returns its errors sorted, then those of the files it includes. */
  const parseFile = (text: string, file: string | undefined, startOrigin: string | undefined, stack: string[], depth: number): ZoneFileError[] => {
    const own: ZoneFileError[] = [];
    const nested: ZoneFileError[] = [];
    /** Set while a $GENERATE makes records, to say which value a finding is about. */
    let genValue: number | undefined;
    const err = (line: number, col: number, message: string, rule?: string): void => {
      const e: ZoneFileError = { line, col, message: genValue === undefined ? message : `${message} ($GENERATE value ${genValue})` };
      if (file !== undefined) e.file = file;
      if (rule !== undefined) e.rule = rule;
      own.push(e);
    };
    const fail = (t: Pos, message: string, rule?: string): undefined => { err(t.line, t.col, message, rule); return undefined; };
    let origin = startOrigin;
    let lastOwner: string | undefined;

    /** A domain name made absolute against the current origin, or undefined after an error at `at`. */
    const name = (text: string, at: Pos, quoted = false): string | undefined => {
      if (quoted) return fail(at, `a domain name cannot be a quoted string: ${text}`);
      if (origin === undefined && (text === '@' || !isAbsolute(text))) {
        return fail(at, `"${text}" needs an origin: use $ORIGIN or write an absolute name ending in "."`);
      }
      const abs = absoluteName(text, origin ?? '.');
      try {
        parseName(abs);
      } catch (e) {
        if (e instanceof NameError) return fail(at, e.message);
        throw e;
      }
      return abs;
    };
    const nameTok = (t: Token): string | undefined => name(t.text, t, t.quoted);

    /** `[ttl] [class] type` from toks[i] on: TTL and class in either order (RFC 1035 §5.1). */
    const header = (toks: Token[], i: number) => {
      let ttl: number | undefined, ttlAt: Token | undefined, cls: string | undefined, clsAt: Token | undefined;
      for (; i < toks.length && !toks[i]!.quoted; i++) {
        const t = toks[i]!;
        const up = t.text.toUpperCase();
        if (ttl === undefined && /^[0-9]/.test(t.text)) {
          ttl = parseTtl(t.text);
          if (ttl === undefined) return fail(t, `invalid TTL "${t.text}"`);
          ttlAt = t;
        } else if (cls === undefined && isCode(up, CLASSES, /^CLASS([0-9]{1,5})$/)) {
          cls = CLASS_NUMBERS[up.replace(/^CLASS0+(?=[0-9])/, 'CLASS')] ?? up;
          clsAt = t;
        } else break;
      }
      const tt = toks[i];
      if (tt === undefined) return fail(toks[toks.length - 1]!, 'missing type');
      const type = tt.text.toUpperCase();
      if (tt.quoted || !isCode(type, TYPES, /^TYPE([0-9]{1,5})$/)) return fail(tt, `unknown type "${tt.text}"`);
      return { ttl, ttlAt, cls, clsAt, type, typeAt: tt, next: i + 1 };
    };
    type Header = NonNullable<ReturnType<typeof header>>;

    /** Checks the RDATA, class and TTL of a record whose owner and header are known. */
    const finish = (owner: string, ownerAt: Pos, line: number, h: Header, rd: Token[]): ZoneFileRecord | undefined => {
      const { type, typeAt } = h;
      const rdata = rd.map((t) => t.text);
      if (rdata.length === 0) return fail(typeAt, `${type} record has no RDATA`);
      if (rdata[0] === '\\#') {
        // RFC 3597 §5: \# <length> <hex>..., the hex may be split into several tokens.
        const hex = rdata.slice(2).join('');
        const len = /^[0-9]+$/.test(rdata[1] ?? '') ? Number(rdata[1]) : NaN;
        if (!(hex.length === len * 2 && /^[0-9a-fA-F]*$/.test(hex))) {
          return fail(rd[0]!, `generic RDATA: expected \\# <length> and exactly <length> octets of hex`);
        }
      }
      const cls = h.cls ?? lastClass ?? 'IN';
      if (lastClass !== undefined && cls !== lastClass) return fail(h.clsAt ?? typeAt, `class ${cls} differs from ${lastClass}: one class per file`);
      // RFC 1035 §5.1 / RFC 2308 §4: $TTL, else the SOA minimum for the SOA itself,
      // else the previous record's TTL, else the caller's default.
      const soaMin = type === 'SOA' && rdata[6] !== undefined ? parseTtl(rdata[6]) : undefined;
      const ttl = h.ttl ?? dollarTtl ?? soaMin ?? lastTtl ?? opts.defaultTtl;
      if (ttl === undefined) return fail(typeAt, 'no TTL: give one on the record or add a $TTL line');
      lastClass = cls;
      lastTtl = ttl;
      const at: ZoneFileRecord['at'] = { owner: pos(ownerAt), type: pos(typeAt), rdata: rd.map(pos) };
      if (h.ttlAt) at.ttl = pos(h.ttlAt);
      if (h.clsAt) at.class = pos(h.clsAt);
      const rec: ZoneFileRecord = { owner, ttl, class: cls, type, rdata, line, at };
      if (origin !== undefined) rec.origin = origin;
      if (file !== undefined) rec.file = file;
      return rec;
    };

    /** `[owner] [ttl] [class] type rdata...` */
    const record = (e: Entry): ZoneFileRecord | undefined => {
      const toks = e.tokens;
      let owner: string | undefined;
      if (e.blankOwner) {
        if (lastOwner === undefined) return fail(toks[0]!, 'line starts with a blank but there is no previous owner name');
        owner = lastOwner;
      } else {
        owner = nameTok(toks[0]!);
        if (owner === undefined) return undefined;
        lastOwner = owner;
      }
      const h = header(toks, e.blankOwner ? 0 : 1);
      return h && finish(owner, toks[0]!, e.line, h, toks.slice(h.next));
    };

    /** BIND's `$GENERATE start-stop[/step] lhs [ttl] [class] type rhs` (the rhs quoted, or several tokens). */
    const generate = (d: Token, args: Token[]): void => {
      const [rangeTok, lhsTok] = args;
      if (!rangeTok || !lhsTok) { fail(d, '$GENERATE takes start-stop[/step] lhs [ttl] [class] type rhs', 'generate'); return; }
      const range = parseRange(rangeTok.text);
      if (typeof range === 'string') { fail(rangeTok, range, 'generate'); return; }
      const lhs = compileTemplate(lhsTok.text);
      if (typeof lhs === 'string') { fail(lhsTok, lhs, 'generate'); return; }
      const h = header(args, 2);
      if (!h) return;
      const rhs: { tok: Token; tpl: Exclude<ReturnType<typeof compileTemplate>, string> }[] = [];
      for (const tok of args.slice(h.next)) {
        // BIND takes the rhs as one token, quoted when it has blanks; the quotes are not part of the RDATA.
        const tpl = compileTemplate(tok.quoted ? tok.text.slice(1, -1) : tok.text);
        if (typeof tpl === 'string') { fail(tok, tpl, 'generate'); return; }
        rhs.push({ tok, tpl });
      }
      if (rhs.length === 0) { fail(h.typeAt, `${h.type} record has no RDATA`); return; }
      const count = rangeCount(range);
      if (count > maxGenerate) {
        const last = range.start + (maxGenerate - 1) * range.step;
        fail(rangeTok, `$GENERATE ${rangeTok.text} makes ${count} records, more than the ${maxGenerate} one directive may: only ${range.start} to ${last} are read`, 'generate');
      }
      const errorsBefore = own.length;
      for (let k = 0; k < Math.min(count, maxGenerate); k++) {
        genValue = range.start + k * range.step;
        const mark = own.length;
        const ownerText = renderTemplate(lhs, genValue);
        if (typeof ownerText !== 'string') { fail(lhsTok, ownerText.error, 'generate'); continue; }
        const owner = name(ownerText, lhsTok);
        if (owner === undefined) continue;
        const rd: Token[] = [];
        for (const { tok, tpl } of rhs) {
          const t = renderTemplate(tpl, genValue);
          if (typeof t !== 'string') { fail(tok, t.error, 'generate'); break; }
          // The expanded text is RDATA as if written on the line: split it into tokens again.
          for (const e of lex(t, (_l, _c, msg) => err(tok.line, tok.col, msg))) rd.push(...e.tokens.map((x) => ({ ...x, line: tok.line, col: tok.col })));
        }
        if (own.length > mark) continue;
        const rec = finish(owner, lhsTok, d.line, h, rd);
        if (rec) records.push({ ...rec, generated: { line: d.line, col: d.col, value: genValue } });
      }
      genValue = undefined;
      // One finding per directive, not one per value: the first, and how many more.
      const more = own.length - errorsBefore - 1;
      if (more > 0) {
        own[errorsBefore]!.message += ` (and ${more} more from this $GENERATE)`;
        own.length = errorsBefore + 1;
      }
    };

    /** `$INCLUDE file [origin]` (RFC 1035 §5.1): read through opts.include, with its own origin. */
    const include = (d: Token, args: Token[]): void => {
      if (args.length === 0 || args.length > 2) { fail(args[2] ?? d, '$INCLUDE takes a file name and an optional origin', 'include'); return; }
      const f = args[0]!;
      let incOrigin = origin;
      if (args[1]) {
        incOrigin = nameTok(args[1]);
        if (incOrigin === undefined) return;
      }
      if (!opts.include) { fail(d, '$INCLUDE is not supported here: the file system is not at hand', 'include'); return; }
      if (depth >= maxDepth) { fail(f, `$INCLUDE nested more than ${maxDepth} deep`, 'include'); return; }
      const got = opts.include(f.quoted ? f.text.slice(1, -1) : f.text, file);
      if ('error' in got) { fail(f, got.error, 'include'); return; }
      const loop = stack.indexOf(got.file);
      if (loop >= 0) { fail(f, `$INCLUDE loop: ${[...stack.slice(loop), got.file].join(' includes ')}`, 'include'); return; }
      nested.push(...parseFile(got.text, got.file, incOrigin, [...stack, got.file], depth + 1));
    };

    /** $ORIGIN, $TTL (RFC 1035 §5.1, RFC 2308 §4), $INCLUDE and $GENERATE. */
    const directive = (e: Entry): void => {
      const [d, ...args] = e.tokens as [Token, ...Token[]];
      const kw = d.text.toUpperCase();
      if (kw === '$INCLUDE') { include(d, args); return; }
      if (kw === '$GENERATE') { generate(d, args); return; }
      if (kw !== '$ORIGIN' && kw !== '$TTL') { fail(d, `unknown directive ${d.text}`); return; }
      if (args.length !== 1) { fail(d, `${kw} takes exactly one argument`); return; }
      const arg = args[0]!;
      if (kw === '$TTL') {
        const v = parseTtl(arg.text);
        if (v === undefined) fail(arg, `invalid TTL "${arg.text}"`);
        else dollarTtl = v;
        return;
      }
      const o = nameTok(arg);
      if (o !== undefined) { origin = o; zoneOrigin ??= o; }
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
    own.sort((a, b) => a.line - b.line || a.col - b.col); // lexing finds some errors before parsing finds others
    return [...own, ...nested];
  };

  // The stack of files being read holds the main one when it has a name, so a file including itself is a loop.
  const errors = parseFile(text, opts.file, zoneOrigin, opts.file === undefined ? [] : [opts.file], 0);
  return zoneOrigin === undefined ? { records, errors } : { records, errors, origin: zoneOrigin };
}

function pos(p: Pos): Pos {
  return { line: p.line, col: p.col };
}
