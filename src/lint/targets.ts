/**
 * MX, SRV and NS targets: never an alias (RFC 2181 §10.3, RFC 2782), an
 * in-zone target needs an address here (a wildcard that answers for it
 * counts), a null MX stands alone (RFC 7505 §3), an exchange is a host name
 * and not an address (RFC 5321 §5.1), and a zone has at least two
 * nameservers (RFC 1034 §4.1, RFC 2182 §5).
 *
 * Every finding is an error whether a helper or `records:` made the record;
 * a zone that does such a thing on purpose says so with lint.ignore.
 */
import { isIP } from 'node:net';
import { type Name, isSubdomain, lowerName, nameKey, nameToText } from '../util/name.js';
import { TYPE, typeToText } from '../wire/constants.js';
import { rdataTarget } from '../wire/rdata.js';
import type { RRset } from '../wire/rrset.js';
import { forgottenDot } from '../util/tld.js';
import type { LintContext, LintModule, RuleInfo } from './rule.js';

const RULES: RuleInfo[] = [
  { id: 'mx-ip', severity: 'error', rfc: 'RFC 5321 §5.1', summary: 'an MX exchange looks like an IP address (e.g. 192.0.2.1.example.com. from a forgotten trailing dot, or an all-numeric name)' },
  { id: 'mx-target', severity: 'error', rfc: 'RFC 5321 §5.1', summary: 'an in-zone MX target has no A or AAAA (a wildcard that answers for it counts)' },
  { id: 'mx-cname', severity: 'error', rfc: 'RFC 2181 §10.3', summary: 'an MX target is a CNAME in a zone we serve' },
  { id: 'mx-null-alone', severity: 'error', rfc: 'RFC 7505 §3', summary: 'a null MX ("0 .") stands beside other MX records' },
  { id: 'mx-single', severity: 'info', rfc: 'RFC 5321 §5.1', summary: 'a single MX host: no fallback when it is down (not for a null MX)' },
  { id: 'ns-cname', severity: 'error', rfc: 'RFC 2181 §10.3', summary: 'an NS target is a CNAME in a zone we serve' },
  { id: 'srv-cname', severity: 'error', rfc: 'RFC 2782', summary: 'an SRV target is a CNAME in a zone we serve; it must not be an alias' },
  { id: 'srv-target', severity: 'error', rfc: 'RFC 2782', summary: 'an in-zone SRV target has no A or AAAA (target "." is fine)' },
  { id: 'ns-count', severity: 'warning', rfc: 'RFC 1034 §4.1, RFC 2182 §5', summary: 'fewer than two NS records at the zone apex' },
  { id: 'ns-glue', severity: 'error', rfc: 'RFC 1034 §4.2.1, RFC 9471', summary: 'an in-zone nameserver has no A or AAAA in the zone' },
  { id: 'trailing-dot', severity: 'error', rfc: 'RFC 1035 §5.1', summary: 'a CNAME, MX, NS, SRV or PTR target (or a helper host) written without its trailing dot: another domain with the zone appended, which does not exist' },
];

/** What a resolver asking us finds at a target: its addresses (A or AAAA), and how it got there. */
interface Target {
  /** A or AAAA answered (directly, through a wildcard, or at the end of a CNAME chain). */
  addressed: boolean;
  /** The first CNAME on the way, when the name is an alias. */
  cname?: RRset;
  /** The wildcard owner that answered, if one did. */
  wildcard?: Name;
  nxdomain: boolean;
  /** No zone of ours answers for it, or it is the child's data below a delegation: we cannot tell. */
  unknown: boolean;
  /** A referral answered, with the glue we hold for the name (RFC 9471 §2.1). */
  glue: boolean;
}

function target(ctx: LintContext, t: Name): Target {
  const rs = [TYPE.A, TYPE.AAAA].map((type) => ctx.ask(t, type));
  const first = rs[0]!;
  const key = nameKey(t);
  const glue = rs.some((r) => r.kind === 'referral' && r.outcome!.additional.some((p) => nameKey(p.rrset.owner) === key));
  // The first question is the one about the target itself: a CNAME there is ours to judge, wherever the chain goes.
  const own = first.steps[0]?.outcome;
  return {
    addressed: rs.some((r) => r.kind === 'success'),
    cname: first.cnames[0],
    wildcard: own?.wildcard,
    nxdomain: first.kind === 'nxdomain' && first.cnames.length === 0,
    unknown: !own || own.kind === 'referral',
    glue,
  };
}

/** "x.example." or "x.example. (answered by the wildcard *.example.)". */
function shown(t: Name, r: { wildcard?: Name; cname?: RRset }): string {
  const w = r.wildcard ?? (r.cname && r.cname.owner[0] === '*' ? r.cname.owner : undefined);
  return w ? `${nameToText(t)} (answered by the wildcard ${nameToText(w)})` : nameToText(t);
}

/**
 * The forgotten trailing dot (seed 002): the absolute name the writer meant
 * when `t` is another domain with our origin appended and no such name
 * exists here, or only the zone's catch-all wildcard `*.<origin>` answers
 * for it (which would send the mail or the query to the wrong host; a
 * wildcard deeper down, like `*.lab`, was written for such names);
 * otherwise undefined.
 */
export function forgottenDotOf(ctx: LintContext, t: Name, origin: Name = ctx.zone.origin): string | undefined {
  const meant = forgottenDot(t, origin);
  if (!meant) return undefined;
  const r = ctx.ask(t, TYPE.ANY);
  const catchAll = r.kind === 'success' && r.outcome?.wildcard?.length === (r.zone?.origin.length ?? -2) + 1;
  return r.kind === 'nxdomain' || catchAll ? meant : undefined;
}

/** Reports the forgotten dot of a record's target instead of its symptom (no address, no such name); true when it did. */
function reportForgottenDot(ctx: LintContext, rs: RRset, i: number, t: Name): boolean {
  // Only a name written without its dot can have lost it: the RDATA remembers the origin appended.
  const origin = rs.rdatas[i]?.relativeTo;
  const meant = origin && forgottenDotOf(ctx, t, origin);
  if (!origin || !meant) return false;
  const what = typeToText(rs.type);
  ctx.report('trailing-dot', { rrset: rs, index: i }, `${what} target ${nameToText(t)} is ${meant} with ${nameToText(origin)} appended: it was written without its trailing dot`,
    `write ${meant} (with the final dot) for a name outside the zone`);
  return true;
}

/** RFC 5321 §5.1: an exchange is a host name; these look like an address written where a name belongs. */
export function looksLikeIp(t: Name): boolean {
  if (t.length === 0) return false;
  if (t.every((l) => /^[0-9]+$/.test(l))) return true;
  if (t.length >= 4 && isIP(t.slice(0, 4).join('.')) === 4) return true;
  return isIP(t[0]!) === 6 || /^\[.*\]$/.test(t[0]!);
}

/** Target checks shared by MX and SRV; returns nothing, reports. */
function checkTarget(ctx: LintContext, rs: RRset, i: number, t: Name): void {
  const what = typeToText(rs.type);
  const rule = what.toLowerCase();
  if (reportForgottenDot(ctx, rs, i, t)) return;
  const r = target(ctx, t);
  if (r.cname) {
    ctx.report(`${rule}-cname`, { rrset: rs, index: i }, `${what} target ${shown(t, r)} is a CNAME; it must name a host with addresses`,
      `point the ${what} at the canonical name, or make ${nameToText(t)} a host`);
    return;
  }
  if (r.unknown && !r.glue) return; // not ours, or the child's data: unknown here
  // Answered by a zone of ours (this one or another we serve): no address there means no delivery.
  if (r.addressed || r.glue || ctx.tainted(t)) return;
  const why = r.nxdomain ? 'does not exist' : r.wildcard ? 'has no A or AAAA' : 'exists but has no A or AAAA';
  const zone = ctx.zoneOf(t) ?? ctx.zone;
  const elsewhere = zone !== ctx.zone ? ` in ${zone.model.file} (zone ${nameToText(zone.origin)})` : '';
  ctx.report(`${rule}-target`, { rrset: rs, index: i }, `${what} target ${shown(t, r)} ${why} in ${nameToText(zone.origin)}, which we serve`,
    `add it under hosts:${elsewhere}, e.g. ${t[0]}: {ipv4: 192.0.2.25}`);
}

function checkMx(ctx: LintContext, rs: RRset): void {
  const targets = rs.rdatas.map((rd) => rdataTarget(TYPE.MX, rd) ?? []);
  const isNull = rs.rdatas.map((rd, i) => targets[i]!.length === 0 && rd.wire.readUInt16BE(0) === 0);
  const owner = nameToText(rs.owner);
  if (isNull.some(Boolean) && rs.rdatas.length > 1) {
    ctx.report('mx-null-alone', { rrset: rs, index: isNull.indexOf(true) }, `${owner} has a null MX ("0 .") beside other MX records; a domain either accepts no mail or names its hosts`,
      'use mx: none alone, or list the real mail hosts');
  }
  targets.forEach((t, i) => {
    if (t.length === 0) return;
    if (looksLikeIp(t)) {
      ctx.report('mx-ip', { rrset: rs, index: i }, `MX exchange ${nameToText(t)} looks like an IP address; an MX names a host`,
        'name a host that has the address (e.g. mail, with ipv4: under hosts:); a name written without its trailing dot gets the zone appended');
      return;
    }
    checkTarget(ctx, rs, i, t);
  });
  const hosts = new Set(targets.filter((t) => t.length > 0).map(nameKey));
  if (!isNull.some(Boolean) && hosts.size === 1) {
    ctx.report('mx-single', { rrset: rs, index: 0 }, `${owner} has one MX host, ${[...hosts][0]}: while it is down, mail waits in the senders' queues`,
      'a second MX host (e.g. at another site or provider) takes mail when the first is down');
  }
}

function checkNs(ctx: LintContext, rs: RRset): void {
  const origin = ctx.zone.origin;
  rs.rdatas.forEach((rd, i) => {
    const t = lowerName(rdataTarget(TYPE.NS, rd)!);
    if (reportForgottenDot(ctx, rs, i, t)) return;
    const r = target(ctx, t);
    if (r.cname) {
      ctx.report('ns-cname', { rrset: rs, index: i }, `nameserver ${shown(t, r)} is a CNAME; an NS must name a host with addresses`,
        `name the canonical host, or make ${nameToText(t)} a host`);
      return;
    }
    // RFC 1034 §4.2.1 / RFC 9471: an in-zone nameserver needs its address here (as
    // glue below a delegation), or nobody can reach it; a wildcard gives no glue.
    const here = (r.addressed && !r.wildcard) || r.glue;
    if (isSubdomain(t, origin) && !here && !ctx.tainted(t)) {
      ctx.report('ns-glue', { rrset: rs, index: i }, `nameserver ${nameToText(t)} is inside ${nameToText(origin)} but has no A or AAAA here`,
        `add it under hosts:, e.g. ${t[0]}: {ipv4: 192.0.2.53}`);
    }
  });
}

export const targetsRules: LintModule = {
  rules: RULES,
  run(ctx) {
    const { origin, model } = ctx.zone;
    for (const rs of ctx.records) {
      if (rs.type === TYPE.MX) checkMx(ctx, rs);
      else if (rs.type === TYPE.SRV) rs.rdatas.forEach((rd, i) => { const t = rdataTarget(TYPE.SRV, rd); if (t && t.length) checkTarget(ctx, rs, i, t); });
      else if (rs.type === TYPE.NS) checkNs(ctx, rs);
      else if (rs.type === TYPE.CNAME || rs.type === TYPE.PTR) rs.rdatas.forEach((rd, i) => { const t = rdataTarget(rs.type, rd); if (t) reportForgottenDot(ctx, rs, i, t); });
    }
    const apexNs = ctx.get(origin, TYPE.NS);
    const n = apexNs?.rdatas.length ?? 0;
    if (n < 2) {
      const msg = `${nameToText(origin)} has ${n === 0 ? 'no' : 'one'} nameserver; with fewer than two, one outage takes the zone off the Internet`;
      const hint = 'list at least two nameservers, preferably on different networks (nameservers: [ns1..., ns2...])';
      if (apexNs) ctx.report('ns-count', { rrset: apexNs }, msg, hint);
      else ctx.report('ns-count', model.at(['nameservers']), msg, hint);
    }
  },
};
