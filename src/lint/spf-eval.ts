/**
 * SPF evaluation through our zones (RFC 7208 §4.6, §5): what an include or
 * redirect reaches, and check_host() for an address, asking every question
 * through the server's lookup. Anything that needs data outside our zones,
 * or macros, is 'unknown' and never reported.
 */
import { type Name, lowerName, nameKey } from '../util/name.js';
import { TYPE } from '../wire/constants.js';
import { rdataTarget } from '../wire/rdata.js';
import type { RRset } from '../wire/rrset.js';
import { addressToBigint } from '../wire/address.js';
import { type LintContext, txtStrings } from './rule.js';
import { isSpfText, parseSpf, type Mechanism, type Modifier, type Qualifier, type Term } from './spf-syntax.js';

export type Found = { kind: 'unknown' } | { kind: 'void' } | { kind: 'found'; rrset: RRset };
const UNKNOWN: Found = { kind: 'unknown' };
const VOID: Found = { kind: 'void' };

/**
 * `type` at `name` as a resolver asking us is answered (CNAMEs followed
 * through our zones, wildcards as they answer). Unknown when no zone of ours
 * answers for the name (not served, or the child's data below a delegation)
 * or the chain is broken.
 */
export function resolve(ctx: LintContext, name: Name, type: number): Found {
  const r = ctx.ask(name, type);
  if (r.kind === 'refused' || r.kind === 'referral' || r.kind === 'servfail') return UNKNOWN;
  return r.kind === 'success' ? { kind: 'found', rrset: r.rrset! } : VOID;
}

export interface SpfAt { text: string; parsed: { terms: Term[]; errors: string[] } }

/** The SPF records of a TXT RRset. */
export function spfRecords(rs: RRset | undefined): SpfAt[] {
  const out: SpfAt[] = [];
  for (const rd of rs?.rdatas ?? []) {
    const text = Buffer.concat(txtStrings(rd)).toString('utf8');
    if (isSpfText(text)) out.push({ text, parsed: parseSpf(text) });
  }
  return out;
}

/** A domain-spec without macros as a name; undefined when it has macros. */
export function specName(spec: string): Name | undefined {
  if (spec.includes('%')) return undefined;
  const body = spec.endsWith('.') ? spec.slice(0, -1) : spec;
  return lowerName(body.split('.'));
}

export const redirectOf = (terms: Term[]) => terms.find((t): t is Modifier => t.kind === 'modifier' && t.name === 'redirect');

/**
 * The terms a receiver evaluates in the worst case (no mechanism matches
 * until the end): the mechanisms up to the first "all", then redirect when
 * there is no all (§6.1).
 */
export function evaluated(terms: Term[]): (Mechanism | Modifier)[] {
  const out: (Mechanism | Modifier)[] = [];
  for (const t of terms) {
    if (t.kind !== 'mechanism') continue;
    out.push(t);
    if (t.name === 'all') return out;
  }
  const r = redirectOf(terms);
  if (r) out.push(r);
  return out;
}

/** The SPF record an include/redirect reaches in our zones; 'void' when the name has no TXT, 'none' when no single SPF record. */
export function target(ctx: LintContext, name: Name): { kind: 'unknown' | 'void' | 'none' | 'multiple' } | { kind: 'spf'; spf: SpfAt } {
  const f = resolve(ctx, name, TYPE.TXT);
  if (f.kind !== 'found') return { kind: f.kind };
  const spf = spfRecords(f.rrset);
  if (spf.length === 0) return { kind: 'none' };
  if (spf.length > 1) return { kind: 'multiple' };
  return { kind: 'spf', spf: spf[0]! };
}
// ---- evaluation, for coverage (§4.6, §5) ----

export type Result = 'pass' | 'fail' | 'softfail' | 'neutral' | 'permerror' | 'unknown';
const QUALIFIED: Record<Qualifier, Result> = { '+': 'pass', '-': 'fail', '~': 'softfail', '?': 'neutral' };

export interface Address { family: 4 | 6; value: bigint; text: string }

function addressesOf(rs: RRset | undefined): bigint[] {
  return (rs?.rdatas ?? []).map((rd) => BigInt('0x' + rd.wire.toString('hex')));
}

function inNetwork(family: 4 | 6, base: bigint, prefix: number, addr: Address): boolean {
  if (family !== addr.family) return false;
  const shift = BigInt((family === 4 ? 32 : 128) - prefix);
  return addr.value >> shift === base >> shift;
}

/** Does some address of `name` (A or AAAA, by the address's family) lie in the prefix around `addr`? */
function nameMatches(ctx: LintContext, name: Name, m: Mechanism, addr: Address, voids: Voids): boolean | 'unknown' {
  const f = resolve(ctx, name, addr.family === 4 ? TYPE.A : TYPE.AAAA);
  if (f.kind === 'unknown') return 'unknown';
  if (f.kind === 'void') { voids.n++; return false; }
  const prefix = addr.family === 4 ? m.cidr4 ?? 32 : m.cidr6 ?? 128;
  return addressesOf(f.rrset).some((v) => inNetwork(addr.family, v, prefix, addr));
}

/** Void lookups made so far in one check_host() evaluation, includes and redirects included. */
interface Voids { n: number }

/** RFC 7208 §4.6.4: more than two void lookups make the evaluation a permerror. */
const VOID_LIMIT = 2;

/** RFC 7208 §4.6.4: the mx mechanism of a domain with more than 10 MX records is a permerror. */
export const MAX_MX = 10;

/**
 * check_host() for `addr` at `domain` through our zones only; 'unknown' when
 * it needs anything we cannot see. Void lookups are counted as a receiver
 * counts them (an A or AAAA by the sender's family, an MX, an MX host's
 * address), so a host listed late in a record with many empty names gets
 * the permerror it would get.
 */
export function evaluate(ctx: LintContext, domain: Name, terms: Term[], addr: Address, stack: string[], voids: Voids = { n: 0 }): Result {
  for (const t of terms) {
    if (t.kind !== 'mechanism') continue;
    let match: boolean | 'unknown';
    const name = t.domain === undefined ? domain : specName(t.domain);
    switch (t.name) {
      case 'all': match = true; break;
      case 'ip4': case 'ip6': {
        const net = addressToBigint(t.network!)!;
        match = inNetwork(net.family, net.value, (net.family === 4 ? t.cidr4 : t.cidr6) ?? (net.family === 4 ? 32 : 128), addr);
        break;
      }
      case 'a':
        match = name ? nameMatches(ctx, name, t, addr, voids) : 'unknown';
        break;
      case 'mx': {
        if (!name) { match = 'unknown'; break; }
        const f = resolve(ctx, name, TYPE.MX);
        if (f.kind === 'void') voids.n++;
        if (f.kind !== 'found') { match = f.kind === 'void' ? false : 'unknown'; break; }
        // §4.6.4: more than 10 MX records is a permerror (pyspf: "More than 10 MX records returned").
        if (f.rrset.rdatas.length > MAX_MX) return 'permerror';
        match = false;
        for (const rd of f.rrset.rdatas) {
          const host = rdataTarget(TYPE.MX, rd);
          if (!host || host.length === 0) continue;
          const r = nameMatches(ctx, host, t, addr, voids);
          if (r === true) { match = true; break; }
          if (r === 'unknown') match = 'unknown';
        }
        break;
      }
      case 'include': {
        if (!name) { match = 'unknown'; break; }
        const r = sub(ctx, name, addr, stack, voids);
        if (r === 'permerror') return r;
        // §5.2: pass matches; fail, softfail and neutral do not; anything else is an error.
        match = r === 'unknown' ? 'unknown' : r === 'pass';
        break;
      }
      default: match = 'unknown'; // ptr, exists
    }
    if (voids.n > VOID_LIMIT) return 'permerror';
    if (match === 'unknown') return 'unknown';
    if (match) return QUALIFIED[t.qualifier];
  }
  const redirect = redirectOf(terms);
  if (redirect) {
    const name = specName(redirect.value);
    return name ? sub(ctx, name, addr, stack, voids) : 'unknown';
  }
  return 'neutral'; // §4.7
}

function sub(ctx: LintContext, name: Name, addr: Address, stack: string[], voids: Voids): Result {
  const key = nameKey(name);
  if (stack.includes(key) || stack.length > 10) return 'unknown';
  const got = target(ctx, name);
  if (got.kind !== 'spf' || got.spf.parsed.errors.length) return 'unknown';
  return evaluate(ctx, name, got.spf.parsed.terms, addr, [...stack, key], voids);
}

