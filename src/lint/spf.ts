/**
 * SPF lint (RFC 7208): the syntax of every v=spf1 TXT record (§12), one
 * record per name (§4.5), the lookup and void-lookup limits counted through
 * includes into zones we serve (§4.6.4), the "all" at the end (§5.1, §4.7,
 * §6.1), ptr (§5.5), length (§3.4), and whether the zone's own MX hosts may
 * send as the domain (§2.4). Anything that depends on DNS data outside our
 * zones, or on macros, is "cannot tell" and never reported.
 */
import { type Name, nameKey, nameToText } from '../util/name.js';
import { TYPE } from '../wire/constants.js';
import { rdataTarget } from '../wire/rdata.js';
import type { RRset } from '../wire/rrset.js';
import { type LintContext, type LintModule, type RuleInfo, txtStrings } from './rule.js';
import { isSpfText, parseSpf, type Mechanism, type Term } from './spf-syntax.js';
import { evaluated, MAX_MX, redirectOf, resolve, specName, target } from './spf-eval.js';
import { lintHosts, SPF_HOST_RULES } from './spf-hosts.js';

export { parseSpf, isSpfText, type Term } from './spf-syntax.js';

// ---- rules ----

const RULES: RuleInfo[] = [
  { id: 'spf-multiple', severity: 'error', rfc: 'RFC 7208 §4.5', summary: 'more than one v=spf1 TXT record at one name (permerror)' },
  { id: 'spf-syntax', severity: 'error', rfc: 'RFC 7208 §12', summary: 'an SPF term does not parse, a macro is malformed, or redirect/exp appears twice' },
  { id: 'spf-lookups', severity: 'error', rfc: 'RFC 7208 §4.6.4', summary: 'more than 10 DNS-querying terms, counted through includes into our zones, an include loop, or an mx mechanism at a domain with more than 10 MX records' },
  { id: 'spf-void-lookups', severity: 'error', rfc: 'RFC 7208 §4.6.4', summary: 'more than 2 lookups into our zones that find no such name or no record, counted per address family of the sender (a host with only an A record is a void lookup for IPv6 senders)' },
  { id: 'spf-include-none', severity: 'error', rfc: 'RFC 7208 §5.2', summary: 'an include or redirect into our zones finds no SPF record (permerror)' },
  { id: 'spf-ptr', severity: 'warning', rfc: 'RFC 7208 §5.5', summary: 'the ptr mechanism SHOULD NOT be used' },
  { id: 'spf-pass-all', severity: 'error', rfc: 'RFC 7208 §5.1', summary: '+all authorizes every host on the Internet' },
  { id: 'spf-neutral-all', severity: 'warning', rfc: 'RFC 7208 §5.1', summary: '?all asserts nothing about hosts not listed' },
  { id: 'spf-no-all', severity: 'warning', rfc: 'RFC 7208 §4.7', summary: 'neither all nor redirect: hosts not listed get the default result neutral' },
  { id: 'spf-redirect-ignored', severity: 'warning', rfc: 'RFC 7208 §6.1', summary: 'redirect is ignored because the record has an all' },
  { id: 'spf-length', severity: 'warning', rfc: 'RFC 7208 §3.4', summary: 'the SPF record is over 450 octets and may not fit a UDP answer' },
];

/** What a lookup into our zones finds: no answer we can know, nothing (void), or an RRset. */
const DNS_TERMS = new Set(['include', 'a', 'mx', 'ptr', 'exists', 'redirect']);

interface Count {
  lookups: number;
  /**
   * Lookups that find nothing, per address family of the sending host: the
   * a mechanism and an MX host's addresses are asked as A for IPv4 senders
   * and AAAA for IPv6 ones (§5.3, §5.4), so a name with only an A record is a
   * void lookup for every IPv6 sender (§4.6.4).
   */
  voids: { 4: string[]; 6: string[] };
  /** Per record visited, in order: where it is and how many lookups its own terms make. */
  chain: { label: string; own: number }[];
  loop?: string[];
  /** mx mechanisms whose domain has more than 10 MX records (§4.6.4: permerror). */
  mx: string[];
}

/** Void lookups of the address questions about `name`, per family. */
function addressVoids(ctx: LintContext, name: Name, desc: string, acc: Count): void {
  if (resolve(ctx, name, TYPE.A).kind === 'void') acc.voids[4].push(`${desc}: ${nameToText(name)} has no A`);
  if (resolve(ctx, name, TYPE.AAAA).kind === 'void') acc.voids[6].push(`${desc}: ${nameToText(name)} has no AAAA`);
}

function count(ctx: LintContext, owner: Name, terms: Term[], label: string, stack: string[], acc: Count): void {
  const entry = { label, own: 0 };
  acc.chain.push(entry);
  const both = (why: string) => { acc.voids[4].push(why); acc.voids[6].push(why); };
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
      if (got.kind === 'void') both(`${desc}: ${nameToText(name)} has no TXT record`);
      if (got.kind !== 'spf') continue;
      const key = nameKey(name);
      if (stack.includes(key)) { acc.loop = [...stack, key]; return; }
      count(ctx, name, got.spf.parsed.terms, `${nameToText(name)} (${t.text})`, [...stack, key], acc);
    } else if (t.name === 'a') {
      addressVoids(ctx, name, desc, acc);
    } else if (t.name === 'mx') {
      const mx = resolve(ctx, name, TYPE.MX);
      if (mx.kind === 'void') both(`${desc}: ${nameToText(name)} has no MX`);
      // §4.6.4: the addresses of at most 10 MX hosts are looked up, each a lookup that may be void.
      if (mx.kind === 'found' && mx.rrset.rdatas.length > MAX_MX) acc.mx.push(`${desc}: ${nameToText(name)} has ${mx.rrset.rdatas.length} MX records`);
      else if (mx.kind === 'found') for (const rd of mx.rrset.rdatas) { const h = rdataTarget(TYPE.MX, rd); if (h?.length) addressVoids(ctx, h, desc, acc); }
    } else if (t.name === 'exists') {
      // §5.7: exists always asks for A, whatever the connection's address family.
      if (resolve(ctx, name, TYPE.A).kind === 'void') both(`${desc}: ${nameToText(name)} has no A`);
    }
  }
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
  const acc: Count = { lookups: 0, voids: { 4: [], 6: [] }, chain: [], mx: [] };
  count(ctx, owner, terms, nameToText(owner), [nameKey(owner)], acc);
  if (acc.loop) {
    ctx.report('spf-lookups', where, `include loop: ${acc.loop.join(' → ')}; evaluation recurses until the 10-lookup limit (permerror)`, 'break the loop');
  } else if (acc.lookups > 10) {
    const chain = acc.chain.filter((c) => c.own > 0).map((c) => `${c.own} in ${c.label}`).join(', ');
    ctx.report('spf-lookups', where, `${acc.lookups} terms that cost DNS lookups (include, a, mx, ptr, exists, redirect); the limit is 10 (permerror): ${chain}`, 'replace a/mx/include with ip4:/ip6: networks (mail: spf: hosts: inlines addresses)');
  }
  for (const m of acc.mx) {
    ctx.report('spf-lookups', where, `${m}; the mx mechanism of a domain with more than 10 MX records is a permerror`, 'list at most 10 MX hosts, or authorize them with ip4:/ip6: (mail: spf: inlines the hosts of this zone) instead of mx');
  }
  const [v4, v6] = [acc.voids[4], acc.voids[6]];
  if (v4.length > 2 || v6.length > 2) {
    const same = v4.length === v6.length && v4.every((v, i) => v === v6[i]);
    const who = same ? '' : v4.length > 2 && v6.length > 2 ? ' for mail from IPv4 and from IPv6 addresses' : v4.length > 2 ? ' for mail from IPv4 addresses' : ' for mail from IPv6 addresses';
    const list = v4.length >= v6.length ? v4 : v6;
    const shown = list.length > 6 ? [...list.slice(0, 5), `and ${list.length - 5} more`] : list;
    ctx.report('spf-void-lookups', where, `${list.length} lookups find nothing${who}; more than 2 is a permerror: ${shown.join('; ')}`,
      'remove the terms that point at names without records, or give the hosts of a: and mx the addresses of both families (or list them with ip4:/ip6:)');
  }
}

export const spfRules: LintModule = {
  rules: [...RULES, ...SPF_HOST_RULES],
  run(ctx) {
    for (const rs of ctx.records) {
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
    lintHosts(ctx);
  },
};
