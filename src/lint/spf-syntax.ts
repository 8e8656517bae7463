/**
 * SPF record syntax (RFC 7208 §12): terms, mechanisms, modifiers and macro
 * strings, parsed without any DNS. The lint rules in ./spf.ts use it.
 */
import { isIP } from 'node:net';


export type Qualifier = '+' | '-' | '~' | '?';
export type MechanismName = 'all' | 'include' | 'a' | 'mx' | 'ptr' | 'ip4' | 'ip6' | 'exists';

export interface Mechanism {
  kind: 'mechanism';
  /** The term as written. */
  text: string;
  /** '+' when none is written (§4.6.2). */
  qualifier: Qualifier;
  name: MechanismName;
  /** The domain-spec as written (include, exists, and a/mx/ptr when given). */
  domain?: string;
  /** ip4/ip6: the address as written, without the prefix length. */
  network?: string;
  /** ip4 and a/mx: the IPv4 prefix length, when written. */
  cidr4?: number;
  /** ip6 and a/mx: the IPv6 prefix length, when written. */
  cidr6?: number;
}

export interface Modifier {
  kind: 'modifier';
  text: string;
  /** Lower-cased. */
  name: string;
  value: string;
}

export type Term = Mechanism | Modifier;

/** v=spf1, then a space or the end (§4.5), any case. */
export function isSpfText(text: string): boolean {
  return /^v=spf1( |$)/i.test(text);
}

const ALL_LETTERS = 'slodiphcrtv';
/** §7.1: c, r and t are only for the explanation text, not for a domain-spec. */
const DOMAIN_LETTERS = 'slodiphv';

/** Checks a macro-string (§7.1); returns an error, or where the last macro-expand ends (-1 when none). */
function scanMacroString(s: string, letters: string): { error: string } | { lastMacroEnd: number; macro: boolean } {
  let lastMacroEnd = -1;
  let macro = false;
  for (let i = 0; i < s.length;) {
    const c = s.charCodeAt(i);
    if (c === 0x25) { // %
      const n = s[i + 1];
      if (n === '%' || n === '_' || n === '-') { macro = true; i += 2; lastMacroEnd = i; continue; }
      if (n !== '{') return { error: `"%${n ?? ''}" is not a macro: write %{letter}, %%, %_ or %- (RFC 7208 §7.1)` };
      const close = s.indexOf('}', i + 2);
      if (close < 0) return { error: `the macro "${s.slice(i)}" has no closing "}"` };
      const body = s.slice(i + 2, close);
      const m = /^([a-z])([0-9]*)(r?)([-.+,/_=]*)$/i.exec(body);
      if (!m || !letters.includes(m[1]!.toLowerCase())) {
        const why = m ? `"${m[1]}" is not a macro letter here (${letters.split('').join(' ')})` : 'expected a letter, digits, r, then delimiters . - + , / _ =';
        return { error: `the macro "%{${body}}" is not valid: ${why} (RFC 7208 §7.1)` };
      }
      // §7.3: when a DIGIT transformer is given it MUST be nonzero.
      if (m[2] && Number(m[2]) === 0) return { error: `the macro "%{${body}}" keeps 0 labels; the number MUST be nonzero (RFC 7208 §7.3)` };
      macro = true;
      i = close + 1;
      lastMacroEnd = i;
      continue;
    }
    if (c < 0x21 || c > 0x7e) return { error: `character ${JSON.stringify(s[i])} is not allowed (visible ASCII only)` };
    i++;
  }
  return { lastMacroEnd, macro };
}

/** §8.1 toplabel: letters and digits with at least one letter, or with a hyphen inside. */
const TOPLABEL = /^(?:[a-z0-9]*[a-z][a-z0-9]*|[a-z0-9]+-[a-z0-9-]*[a-z0-9])$/i;

function domainSpecError(spec: string): string | undefined {
  if (spec === '') return 'the domain is empty';
  const scan = scanMacroString(spec, DOMAIN_LETTERS);
  if ('error' in scan) return scan.error;
  // domain-end: a macro-expand (a trailing dot after it is tolerated), or "." toplabel ["."].
  if (scan.lastMacroEnd === spec.length || (scan.lastMacroEnd === spec.length - 1 && spec.endsWith('.'))) return undefined;
  const body = spec.endsWith('.') ? spec.slice(0, -1) : spec;
  const dot = body.lastIndexOf('.');
  const top = body.slice(dot + 1);
  if (dot < 0 || !TOPLABEL.test(top)) {
    return dot < 0 && TOPLABEL.test(top)
      ? `"${spec}" is a single label; a domain-spec ends in "." and a top-level label (RFC 7208 §7.1)`
      : `"${spec}" does not end in a top-level domain label ("${top}" is ${/^[0-9]+$/.test(top) ? 'all digits' : 'not letters, digits and inner hyphens'})`;
  }
  if (!scan.macro) {
    const labels = body.split('.');
    if (labels.some((l) => l === '')) return `"${spec}" has an empty label`;
    const long = labels.find((l) => l.length > 63);
    if (long) return `label "${long.slice(0, 20)}..." is ${long.length} octets, the limit is 63`;
    if (body.length > 253) return `"${spec.slice(0, 30)}..." is longer than a domain name can be`;
  }
  return undefined;
}

const QNUM = '(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const IP4 = new RegExp(`^${QNUM}(?:\\.${QNUM}){3}$`);
const CIDR4 = /^(?:0|[1-9][0-9]?)$/;
const CIDR6 = /^(?:0|[1-9][0-9]{0,2})$/;

function cidr(text: string | undefined, v6: boolean): number | undefined | string {
  if (text === undefined) return undefined;
  const ok = (v6 ? CIDR6 : CIDR4).test(text) && Number(text) <= (v6 ? 128 : 32);
  return ok ? Number(text) : `/${text} is not an ${v6 ? 'IPv6 prefix length (0-128)' : 'IPv4 prefix length (0-32)'}`;
}

/** One term; a string is the reason it does not parse. */
function parseTerm(t: string): Term | string {
  const bad = (why: string) => `"${t}": ${why}`;
  // §4.6.1: a modifier is name "=" ..., name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ).
  const mod = /^([a-z][a-z0-9_.-]*)=(.*)$/is.exec(t);
  if (mod) {
    const name = mod[1]!.toLowerCase();
    const value = mod[2]!;
    if (name === 'redirect' || name === 'exp') {
      const e = domainSpecError(value);
      if (e) return bad(e);
    } else {
      const scan = scanMacroString(value, ALL_LETTERS);
      if ('error' in scan) return bad(scan.error);
    }
    return { kind: 'modifier', text: t, name, value };
  }
  const m = /^([-+~?]?)([a-z][a-z0-9]*)(.*)$/is.exec(t);
  if (!m) return bad('neither a mechanism nor a modifier');
  const qualifier = (m[1] || '+') as Qualifier;
  const name = m[2]!.toLowerCase();
  const rest = m[3]!;
  const mech = (extra: Partial<Mechanism>): Mechanism => ({ kind: 'mechanism', text: t, qualifier, name: name as MechanismName, ...extra });
  switch (name) {
    case 'all':
      return rest ? bad('"all" takes no argument') : mech({});
    case 'include':
    case 'exists': {
      if (!rest.startsWith(':')) return bad(`"${name}" needs ":" and a domain`);
      const e = domainSpecError(rest.slice(1));
      return e ? bad(e) : mech({ domain: rest.slice(1) });
    }
    case 'ptr': {
      if (rest === '') return mech({});
      if (!rest.startsWith(':')) return bad('"ptr" is followed by ":" and a domain, or nothing');
      const e = domainSpecError(rest.slice(1));
      return e ? bad(e) : mech({ domain: rest.slice(1) });
    }
    case 'a':
    case 'mx': {
      const c = /^(.*?)(?:\/([0-9]+))?(?:\/\/([0-9]+))?$/s.exec(rest)!;
      const head = c[1]!;
      if (head !== '' && !head.startsWith(':')) return bad(`"${name}" is followed by ":" and a domain, a prefix length, or nothing`);
      const c4 = cidr(c[2], false);
      const c6 = cidr(c[3], true);
      if (typeof c4 === 'string') return bad(c4);
      if (typeof c6 === 'string') return bad(c6);
      if (head === '') return mech({ cidr4: c4, cidr6: c6 });
      const e = domainSpecError(head.slice(1));
      return e ? bad(e) : mech({ domain: head.slice(1), cidr4: c4, cidr6: c6 });
    }
    case 'ip4':
    case 'ip6': {
      if (!rest.startsWith(':')) return bad(`"${name}" needs ":" and an address`);
      const v6 = name === 'ip6';
      const slash = rest.indexOf('/');
      const addr = slash < 0 ? rest.slice(1) : rest.slice(1, slash);
      const ok = v6 ? isIP(addr) === 6 && !addr.includes('%') : IP4.test(addr);
      if (!ok) return bad(`"${addr}" is not an ${v6 ? 'IPv6' : 'IPv4'} address`);
      const c = cidr(slash < 0 ? undefined : rest.slice(slash + 1), v6);
      if (typeof c === 'string') return bad(c);
      return mech(v6 ? { network: addr, cidr6: c } : { network: addr, cidr4: c });
    }
    default:
      return bad(`"${name}" is not a mechanism (all, include, a, mx, ptr, ip4, ip6, exists); an unknown mechanism is a permerror (RFC 7208 §5)`);
  }
}

/** Parses an SPF record's text (version included): the terms that parse, and one error per term that does not. */
export function parseSpf(text: string): { terms: Term[]; errors: string[] } {
  if (!isSpfText(text)) return { terms: [], errors: [`the record does not start with "v=spf1" and a space`] };
  const terms: Term[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const t of text.slice(6).split(' ')) {
    if (t === '') continue;
    const r = parseTerm(t);
    if (typeof r === 'string') { errors.push(r); continue; }
    if (r.kind === 'modifier' && (r.name === 'redirect' || r.name === 'exp')) {
      // §6: redirect and exp MUST NOT appear more than once each.
      if (seen.has(r.name)) { errors.push(`"${t}": a second ${r.name}= (each may appear once, RFC 7208 §6)`); continue; }
      seen.add(r.name);
    }
    terms.push(r);
  }
  return { terms, errors };
}
