/**
 * Do the hosts that send as the domain pass its published SPF record?
 * check_host() (RFC 7208 §4) for each of their addresses, evaluated through
 * the server's lookup: the hosts the `spf:` intent names (hosts:, and the MX
 * hosts with mx: true) must pass, or the intent has published a policy that
 * fails its own mail (an error); the zone's other MX hosts should (§2.4).
 */
import { type Name, isSubdomain, lowerName, nameKey, nameToText, parseName } from '../util/name.js';
import type { At } from '../util/problem.js';
import { TYPE } from '../wire/constants.js';
import { rdataTarget } from '../wire/rdata.js';
import { formatAddress } from '../wire/address.js';
import type { LintContext, RuleInfo } from './rule.js';
import { txtStrings } from './rule.js';
import { isSpfText, parseSpf } from './spf-syntax.js';
import { type Address, evaluate, resolve } from './spf-eval.js';
import { forgottenDotOf } from './targets.js';

export const SPF_HOST_RULES: RuleInfo[] = [
  { id: 'spf-intent', severity: 'error', rfc: 'RFC 7208 §2.4', summary: 'a host named by mail: spf: (hosts:, or the MX hosts with mx: true) does not pass the SPF record the zone publishes' },
  { id: 'spf-coverage', severity: 'warning', rfc: 'RFC 7208 §2.4', summary: 'an MX host of the zone is not authorized by the apex SPF record' },
];

interface Sender { name: Name; at?: At; named: boolean; written?: string }

/** The check_host() results other than pass for the addresses of `host` we serve; `unknown` when no zone of ours answers for it. */
function failures(ctx: LintContext, host: Name, terms: ReturnType<typeof parseSpf>['terms']): { bad: string[]; addresses: number; unknown: boolean } {
  const origin = ctx.zone.origin;
  const bad: string[] = [];
  let addresses = 0;
  let unknown = true;
  for (const [family, type] of [[4, TYPE.A], [6, TYPE.AAAA]] as const) {
    const f = resolve(ctx, host, type);
    if (f.kind === 'unknown') continue;
    unknown = false;
    if (f.kind !== 'found') continue;
    for (const a of f.rrset.rdatas) {
      addresses++;
      const value = BigInt('0x' + a.wire.toString('hex'));
      const addr: Address = { family, value, text: formatAddress(family, value) };
      const r = evaluate(ctx, origin, terms, addr, [nameKey(origin)]);
      if (r !== 'pass' && r !== 'unknown') bad.push(`${addr.text} gets ${r}`);
    }
  }
  return { bad, addresses, unknown };
}

export function lintHosts(ctx: LintContext): void {
  const { origin, model, reverse } = ctx.zone;
  const txt = ctx.get(origin, TYPE.TXT);
  const at: number[] = [];
  txt?.rdatas.forEach((rd, i) => { if (isSpfText(Buffer.concat(txtStrings(rd)).toString('utf8'))) at.push(i); });
  const intent = reverse ? undefined : model.mail?.spf;
  // More than one record is spf-multiple's finding; none at all while the intent asks for one is this rule's.
  if (at.length > 1) return;
  if (!txt || at.length === 0) {
    if (intent) ctx.report('spf-intent', model.at(['mail', 'spf'], true), `mail: spf: is set, but ${nameToText(origin)} publishes no SPF record`, 'a TXT under records: at the apex without v=spf1 merges with it; one with v=spf1 replaces it');
    return;
  }
  const source = txt.sources[at[0]!] ?? txt.sources[0];
  if (intent && source && !source.helper.startsWith('mail.')) {
    // Two sources for one policy: the hand-written one wins, and the hosts the intent names are not checked against it.
    ctx.report('spf-intent', { rrset: txt, index: at[0]! }, `this SPF record replaces the one mail: spf: makes, so the hosts mail: spf: names are not authorized by it`, 'keep one: remove mail: spf:, or remove the v=spf1 record under records:');
  }
  const parsed = parseSpf(Buffer.concat(txtStrings(txt.rdatas[at[0]!]!)).toString('utf8'));
  if (parsed.errors.length) return;

  const senders: Sender[] = [];
  (intent?.hosts ?? []).forEach((h, i) => {
    try { senders.push({ name: lowerName(h === '' || h === '@' ? [...origin] : parseName(h, origin)), at: model.at(['mail', 'spf', 'hosts', i]), named: true, written: h }); } catch { /* a bad name is the synth's finding */ }
  });
  const mx = ctx.get(origin, TYPE.MX);
  for (const rd of mx?.rdatas ?? []) {
    const host = rdataTarget(TYPE.MX, rd);
    if (!host || host.length === 0) continue;
    if (intent?.mx) senders.push({ name: lowerName(host), at: model.at(['mail', 'spf', 'mx']), named: true });
    else if (isSubdomain(host, origin)) senders.push({ name: lowerName(host), named: false });
  }
  const seen = new Set<string>();
  for (const s of senders) {
    const k = nameKey(s.name);
    if (seen.has(k)) continue;
    seen.add(k);
    // The forgotten trailing dot of a host written relative (an MX's is reported at the MX record).
    const meant = s.written !== undefined && !s.written.endsWith('.') ? forgottenDotOf(ctx, s.name) : undefined;
    if (meant) {
      ctx.report('trailing-dot', s.at!, `SPF host ${nameToText(s.name)} is ${meant} with ${nameToText(origin)} appended: it was written without its trailing dot`, `write ${meant} (with the final dot) for a host outside the zone`);
      continue;
    }
    const { bad, addresses, unknown } = failures(ctx, s.name, parsed.terms);
    if (s.named && !unknown && addresses === 0) {
      ctx.report('spf-intent', s.at!, `${nameToText(s.name)} is named by mail: spf: but has no A or AAAA, so no mail from it can pass SPF`, 'give it an address under hosts:, or name the host that sends');
    } else if (s.named && bad.length) {
      ctx.report('spf-intent', s.at!, `${nameToText(s.name)} is named by mail: spf:, but the published SPF record fails its mail: ${bad.join(', ')}`,
        'an SPF record under records: replaces the one mail: spf: makes: remove it, or list the host there');
    } else if (!s.named && bad.length) {
      ctx.report('spf-coverage', { rrset: txt, index: at[0]! }, `MX host ${nameToText(s.name)} is not authorized to send as ${nameToText(origin)}: ${bad.join(', ')}`,
        'add the host to mail: spf: hosts: (or mx: true), or list its addresses with ip4:/ip6:');
    }
  }
}
