/**
 * SPF lint (RFC 7208): the syntax of every v=spf1 TXT record (§12), one
 * record per name (§4.5), the lookup and void-lookup limits counted through
 * includes into zones we serve (§4.6.4), the "all" at the end (§5.1, §4.7,
 * §6.1), ptr (§5.5), length (§3.4), and whether the zone's own MX hosts may
 * send as the domain (§2.4). Anything that depends on DNS data outside our
 * zones, or on macros, is "cannot tell" and never reported.
 */
import { type Name, isSubdomain, lowerName, nameKey, nameToText } from '../util/name.js';
import { TYPE } from '../wire/constants.js';
import { rdataTarget } from '../wire/rdata.js';
import type { RRset } from '../wire/rrset.js';
import { addressToBigint, formatAddress } from '../synth/reverse/network.js';
import { type LintContext, type LintModule, type RuleInfo, txtStrings, zoneIndex } from './rule.js';

import { isSpfText, parseSpf, type Mechanism, type Modifier, type Qualifier, type Term } from './spf-syntax.js';

export { parseSpf, isSpfText, type Term } from './spf-syntax.js';

// ---- rules ----

const RULES: RuleInfo[] = [
  { id: 'spf-multiple', severity: 'error', rfc: 'RFC 7208 §4.5', summary: 'more than one v=spf1 TXT record at one name (permerror)' },
  { id: 'spf-syntax', severity: 'error', rfc: 'RFC 7208 §12', summary: 'an SPF term does not parse, a macro is malformed, or redirect/exp appears twice' },
  { id: 'spf-lookups', severity: 'error', rfc: 'RFC 7208 §4.6.4', summary: 'more than 10 DNS-querying terms, counted through includes into our zones, or an include loop' },
  { id: 'spf-void-lookups', severity: 'error', rfc: 'RFC 7208 §4.6.4', summary: 'more than 2 lookups into our zones that find no such name or no record' },
  { id: 'spf-include-none', severity: 'error', rfc: 'RFC 7208 §5.2', summary: 'an include or redirect into our zones finds no SPF record (permerror)' },
  { id: 'spf-ptr', severity: 'warning', rfc: 'RFC 7208 §5.5', summary: 'the ptr mechanism SHOULD NOT be used' },
  { id: 'spf-pass-all', severity: 'error', rfc: 'RFC 7208 §5.1', summary: '+all authorizes every host on the Internet' },
  { id: 'spf-neutral-all', severity: 'warning', rfc: 'RFC 7208 §5.1', summary: '?all asserts nothing about hosts not listed' },
  { id: 'spf-no-all', severity: 'warning', rfc: 'RFC 7208 §4.7', summary: 'neither all nor redirect: hosts not listed get the default result neutral' },
  { id: 'spf-redirect-ignored', severity: 'warning', rfc: 'RFC 7208 §6.1', summary: 'redirect is ignored because the record has an all' },
  { id: 'spf-length', severity: 'warning', rfc: 'RFC 7208 §3.4', summary: 'the SPF record is over 450 octets and may not fit a UDP answer' },
  { id: 'spf-coverage', severity: 'warning', rfc: 'RFC 7208 §2.4', summary: 'an MX host of the zone is not authorized by the apex SPF record' },
];

/** What a lookup into our zones finds: no answer we can know, nothing (void), or an RRset. */
type Found = { kind: 'unknown' } | { kind: 'void' } | { kind: 'found'; rrset: RRset };
const UNKNOWN: Found = { kind: 'unknown' };
const VOID: Found = { kind: 'void' };

/**
 * `type` at `name` as our zones would answer it, following CNAMEs in our
 * zones. Unknown when no zone of ours is authoritative for the name (not
 * served, or at or below a delegation) or a wildcard might answer.
 */
function resolve(ctx: LintContext, name: Name, type: number, hops = 0): Found {
  const z = ctx.zoneOf(name);
  if (!z || hops > 8) return UNKNOWN;
  const idx = zoneIndex(z);
  const lname = lowerName(name);
  // The name and its ancestors inside the zone, closest first.
  const keys: string[] = [];
  for (let i = 0; lname.length - i > z.origin.length; i++) keys.push(nameKey(lname.slice(i)));
  if (keys.some((k) => idx.cuts.has(k))) return UNKNOWN;
  const key = nameKey(lname);
  const rrset = idx.nodes.get(key)?.get(type);
  if (rrset) return { kind: 'found', rrset };
  const cname = idx.nodes.get(key)?.get(TYPE.CNAME);
  if (cname && type !== TYPE.CNAME) {
    const p = cname.rdatas[0]?.parts[0];
    return p && !Buffer.isBuffer(p) ? resolve(ctx, p.name, type, hops + 1) : UNKNOWN;
  }
  // A wildcard above a name that does not exist might synthesize an answer (RFC 4592).
  if (!idx.names.has(key) && [...keys.slice(1), nameKey(z.origin)].some((k) => idx.wildcards.has(k))) return UNKNOWN;
  return VOID;
}

interface SpfAt { text: string; parsed: { terms: Term[]; errors: string[] } }

/** The SPF records of a TXT RRset. */
function spfRecords(rs: RRset | undefined): SpfAt[] {
  const out: SpfAt[] = [];
  for (const rd of rs?.rdatas ?? []) {
    const text = Buffer.concat(txtStrings(rd)).toString('utf8');
    if (isSpfText(text)) out.push({ text, parsed: parseSpf(text) });
  }
  return out;
}

/** A domain-spec without macros as a name; undefined when it has macros. */
function specName(spec: string): Name | undefined {
  if (spec.includes('%')) return undefined;
  const body = spec.endsWith('.') ? spec.slice(0, -1) : spec;
  return lowerName(body.split('.'));
}

const redirectOf = (terms: Term[]) => terms.find((t): t is Modifier => t.kind === 'modifier' && t.name === 'redirect');

/**
 * The terms a receiver evaluates in the worst case (no mechanism matches
 * until the end): the mechanisms up to the first "all", then redirect when
 * there is no all (§6.1).
 */
function evaluated(terms: Term[]): (Mechanism | Modifier)[] {
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

const DNS_TERMS = new Set(['include', 'a', 'mx', 'ptr', 'exists', 'redirect']);

interface Count {
  lookups: number;
  voids: string[];
  /** Per record visited, in order: where it is and how many lookups its own terms make. */
  chain: { label: string; own: number }[];
  loop?: string[];
}

/** The SPF record an include/redirect reaches in our zones; 'void' when the name has no TXT, 'none' when no single SPF record. */
function target(ctx: LintContext, name: Name): { kind: 'unknown' | 'void' | 'none' | 'multiple' } | { kind: 'spf'; spf: SpfAt } {
  const f = resolve(ctx, name, TYPE.TXT);
  if (f.kind !== 'found') return { kind: f.kind };
  const spf = spfRecords(f.rrset);
  if (spf.length === 0) return { kind: 'none' };
  if (spf.length > 1) return { kind: 'multiple' };
  return { kind: 'spf', spf: spf[0]! };
}

function count(ctx: LintContext, owner: Name, terms: Term[], label: string, stack: string[], acc: Count): void {
  const entry = { label, own: 0 };
  acc.chain.push(entry);
  for (const t of evaluated(terms)) {
    if (acc.loop || acc.lookups > 100) return;
    if (!DNS_TERMS.has(t.name)) continue;
    acc.lookups++;
    entry.own++;
    const spec = t.kind === 'modifier' ? t.value : t.domain;
    const name = spec === undefined ? owner : specName(spec);
    if (!name) continue;
    const desc = `${t.text}${spec === undefined ? ` (at ${nameToText(owner)})` : ''}`;
    if (t.name === 'include' || t.name === 'redirect') {
      const got = target(ctx, name);
      if (got.kind === 'void') acc.voids.push(`${desc}: ${nameToText(name)} has no TXT record`);
      if (got.kind !== 'spf') continue;
      const key = nameKey(name);
      if (stack.includes(key)) { acc.loop = [...stack, key]; return; }
      count(ctx, name, got.spf.parsed.terms, `${nameToText(name)} (${t.text})`, [...stack, key], acc);
    } else if (t.name === 'a') {
      if (resolve(ctx, name, TYPE.A).kind === 'void' && resolve(ctx, name, TYPE.AAAA).kind === 'void') acc.voids.push(`${desc}: ${nameToText(name)} has no A or AAAA`);
    } else if (t.name === 'mx') {
      if (resolve(ctx, name, TYPE.MX).kind === 'void') acc.voids.push(`${desc}: ${nameToText(name)} has no MX`);
    } else if (t.name === 'exists') {
      // §5.7: exists always asks for A, whatever the connection's address family.
      if (resolve(ctx, name, TYPE.A).kind === 'void') acc.voids.push(`${desc}: ${nameToText(name)} has no A`);
    }
  }
}

// ---- evaluation, for coverage (§4.6, §5) ----

type Result = 'pass' | 'fail' | 'softfail' | 'neutral' | 'unknown';
const QUALIFIED: Record<Qualifier, Result> = { '+': 'pass', '-': 'fail', '~': 'softfail', '?': 'neutral' };

interface Address { family: 4 | 6; value: bigint; text: string }

function addressesOf(rs: RRset | undefined): bigint[] {
  return (rs?.rdatas ?? []).map((rd) => BigInt('0x' + rd.wire.toString('hex')));
}

function inNetwork(family: 4 | 6, base: bigint, prefix: number, addr: Address): boolean {
  if (family !== addr.family) return false;
  const shift = BigInt((family === 4 ? 32 : 128) - prefix);
  return addr.value >> shift === base >> shift;
}

/** Does some address of `name` (A or AAAA, by the address's family) lie in the prefix around `addr`? */
function nameMatches(ctx: LintContext, name: Name, m: Mechanism, addr: Address): boolean | 'unknown' {
  const f = resolve(ctx, name, addr.family === 4 ? TYPE.A : TYPE.AAAA);
  if (f.kind === 'unknown') return 'unknown';
  if (f.kind === 'void') return false;
  const prefix = addr.family === 4 ? m.cidr4 ?? 32 : m.cidr6 ?? 128;
  return addressesOf(f.rrset).some((v) => inNetwork(addr.family, v, prefix, addr));
}

/** check_host() for `addr` at `domain` through our zones only; 'unknown' when it needs anything we cannot see. */
function evaluate(ctx: LintContext, domain: Name, terms: Term[], addr: Address, stack: string[]): Result {
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
        match = name ? nameMatches(ctx, name, t, addr) : 'unknown';
        break;
      case 'mx': {
        if (!name) { match = 'unknown'; break; }
        const f = resolve(ctx, name, TYPE.MX);
        if (f.kind !== 'found') { match = f.kind === 'void' ? false : 'unknown'; break; }
        match = false;
        for (const rd of f.rrset.rdatas.slice(0, 10)) {
          const host = rdataTarget(TYPE.MX, rd);
          if (!host || host.length === 0) continue;
          const r = nameMatches(ctx, host, t, addr);
          if (r === true) { match = true; break; }
          if (r === 'unknown') match = 'unknown';
        }
        break;
      }
      case 'include': {
        if (!name) { match = 'unknown'; break; }
        const r = sub(ctx, name, addr, stack);
        // §5.2: pass matches; fail, softfail and neutral do not; anything else is an error.
        match = r === 'unknown' ? 'unknown' : r === 'pass';
        break;
      }
      default: match = 'unknown'; // ptr, exists
    }
    if (match === 'unknown') return 'unknown';
    if (match) return QUALIFIED[t.qualifier];
  }
  const redirect = redirectOf(terms);
  if (redirect) {
    const name = specName(redirect.value);
    return name ? sub(ctx, name, addr, stack) : 'unknown';
  }
  return 'neutral'; // §4.7
}

function sub(ctx: LintContext, name: Name, addr: Address, stack: string[]): Result {
  const key = nameKey(name);
  if (stack.includes(key) || stack.length > 10) return 'unknown';
  const got = target(ctx, name);
  if (got.kind !== 'spf' || got.spf.parsed.errors.length) return 'unknown';
  return evaluate(ctx, name, got.spf.parsed.terms, addr, [...stack, key]);
}

// ---- the module ----

function lintRecord(ctx: LintContext, rs: RRset, index: number, octets: number, parsed: { terms: Term[]; errors: string[] }): void {
  const where = { rrset: rs, index };
  const owner = rs.owner;
  const { terms } = parsed;
  for (const e of parsed.errors) ctx.report('spf-syntax', where, e, 'fix the term, or remove it; receivers treat the whole record as a permerror (RFC 7208 §4.6)');

  if (octets > 450) {
    ctx.report('spf-length', where, `the SPF record is ${octets} octets; at most 450 is recommended so the answer fits in 512 octets over UDP`, 'list fewer terms, or move some into an include: of a name of ours');
  }

  const mechs = terms.filter((t): t is Mechanism => t.kind === 'mechanism');
  const all = mechs.find((t) => t.name === 'all');
  const redirect = redirectOf(terms);
  for (const t of mechs) {
    if (t.name === 'ptr') ctx.report('spf-ptr', where, `"${t.text}": ptr is slow, unreliable and SHOULD NOT be used`, 'list the addresses with ip4:/ip6: or a:');
    if (t.name !== 'all') continue;
    if (t.qualifier === '+') ctx.report('spf-pass-all', where, `"${t.text}" lets every host on the Internet send as ${nameToText(owner)}`, 'end with -all (or ~all while testing)');
    if (t.qualifier === '?') ctx.report('spf-neutral-all', where, `"${t.text}" says nothing about hosts not listed, the same as no SPF record`, 'end with -all (or ~all while testing)');
  }
  if (!all && !redirect) ctx.report('spf-no-all', where, 'the record has neither "all" nor "redirect=": hosts not listed get neutral', 'end the record with -all');
  if (all && redirect) ctx.report('spf-redirect-ignored', where, `"${redirect.text}" is ignored because the record has "${all.text}"`, 'remove the all to follow the redirect, or remove the redirect');

  // §5.2: an include or (effective) redirect into our zones must find an SPF record.
  for (const t of evaluated(terms)) {
    if (t.name !== 'include' && t.name !== 'redirect') continue;
    const name = specName(t.kind === 'modifier' ? t.value : t.domain!);
    if (!name) continue;
    const got = target(ctx, name);
    if (got.kind === 'void' || got.kind === 'none') {
      ctx.report('spf-include-none', where, `"${t.text}": ${nameToText(name)} has no ${got.kind === 'void' ? 'TXT record' : 'v=spf1 record'}, so evaluating it is a permerror`, `publish an SPF record at ${nameToText(name)}, or remove the ${t.name}`);
    }
  }

  // §4.6.4: at most 10 DNS-querying terms and 2 void lookups in the whole evaluation.
  const acc: Count = { lookups: 0, voids: [], chain: [] };
  count(ctx, owner, terms, nameToText(owner), [nameKey(owner)], acc);
  if (acc.loop) {
    ctx.report('spf-lookups', where, `include loop: ${acc.loop.join(' → ')}; evaluation recurses until the 10-lookup limit (permerror)`, 'break the loop');
  } else if (acc.lookups > 10) {
    const chain = acc.chain.filter((c) => c.own > 0).map((c) => `${c.own} in ${c.label}`).join(', ');
    ctx.report('spf-lookups', where, `${acc.lookups} terms that cost DNS lookups (include, a, mx, ptr, exists, redirect); the limit is 10 (permerror): ${chain}`, 'replace a/mx/include with ip4:/ip6: networks (mail: spf: hosts: inlines addresses)');
  }
  if (acc.voids.length > 2) {
    ctx.report('spf-void-lookups', where, `${acc.voids.length} lookups find nothing; more than 2 is a permerror: ${acc.voids.join('; ')}`, 'remove the terms that point at names without records');
  }
}

/** §2.4: the zone's in-zone MX hosts should pass the apex SPF record. */
function lintCoverage(ctx: LintContext): void {
  const origin = ctx.zone.origin;
  const txt = ctx.get(origin, TYPE.TXT);
  const mx = ctx.get(origin, TYPE.MX);
  if (!txt || !mx) return;
  const at: number[] = [];
  txt.rdatas.forEach((rd, i) => { if (isSpfText(Buffer.concat(txtStrings(rd)).toString('utf8'))) at.push(i); });
  if (at.length !== 1) return;
  const rec = spfRecords(txt)[0]!;
  if (rec.parsed.errors.length) return;
  const seen = new Set<string>();
  for (const rd of mx.rdatas) {
    const host = rdataTarget(TYPE.MX, rd);
    if (!host || host.length === 0 || !isSubdomain(host, origin)) continue;
    const k = nameKey(host);
    if (seen.has(k)) continue;
    seen.add(k);
    const bad: string[] = [];
    for (const [family, type] of [[4, TYPE.A], [6, TYPE.AAAA]] as const) {
      for (const a of ctx.get(host, type)?.rdatas ?? []) {
        const value = BigInt('0x' + a.wire.toString('hex'));
        const addr: Address = { family, value, text: formatAddress(family, value) };
        const r = evaluate(ctx, origin, rec.parsed.terms, addr, [nameKey(origin)]);
        if (r !== 'pass' && r !== 'unknown') bad.push(`${addr.text} gets ${r}`);
      }
    }
    if (bad.length) {
      ctx.report('spf-coverage', { rrset: txt, index: at[0]! }, `MX host ${nameToText(host)} is not authorized to send as ${nameToText(origin)}: ${bad.join(', ')}`,
        'add the host to mail: spf: hosts: (or mx: true), or list its addresses with ip4:/ip6:');
    }
  }
}

export const spfRules: LintModule = {
  rules: RULES,
  run(ctx) {
    for (const rs of ctx.zone.rrsets) {
      if (rs.type !== TYPE.TXT) continue;
      const spf: number[] = [];
      rs.rdatas.forEach((rd, i) => {
        const octets = Buffer.concat(txtStrings(rd));
        const text = octets.toString('utf8');
        if (/^v=spf1[^ ]/i.test(text)) {
          // §3.3: strings are joined with nothing between them, so "v=spf1" + "ip4:..." is no SPF record at all.
          ctx.report('spf-syntax', { rrset: rs, index: i }, `"${text.length > 24 ? text.slice(0, 24) + '...' : text}": "v=spf1" is not followed by a space, so receivers do not see an SPF record (RFC 7208 §4.5)`,
            'put a space after v=spf1; the strings of a TXT record are joined without spaces (RFC 7208 §3.3)');
          return;
        }
        if (!isSpfText(text)) return;
        spf.push(i);
        lintRecord(ctx, rs, i, octets.length, parseSpf(text));
      });
      for (const i of spf.slice(1)) {
        ctx.report('spf-multiple', { rrset: rs, index: i }, `${nameToText(rs.owner)} has ${spf.length} v=spf1 records; with more than one, receivers return permerror`,
          'merge them into one record');
      }
    }
    lintCoverage(ctx);
  },
};
