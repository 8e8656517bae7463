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
import { zoneIndex, type LintContext, type LintModule, type LintZone, type RuleInfo } from './rule.js';

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
];

interface Resolved {
  zone: LintZone;
  /** The RRsets that answer for the name: its own, or a wildcard's; undefined when nothing does (NXDOMAIN). */
  node?: ReadonlyMap<number, RRset>;
  /** The wildcard owner when a wildcard answers. */
  wildcard?: Name;
  /** At or below a delegation of that zone: only glue at the exact name is known. */
  delegated: boolean;
  tainted: boolean;
}

/** What one of our zones answers for `name`, or undefined when no zone of ours holds it. */
function resolve(ctx: LintContext, name: Name): Resolved | undefined {
  const lt = lowerName(name);
  const zone = ctx.zoneOf(lt);
  if (!zone) return undefined;
  const idx = zoneIndex(zone);
  const key = nameKey(lt);
  const tainted = idx.tainted.has(key);
  let delegated = false;
  for (let n: Name = lt; n.length > zone.origin.length; n = n.slice(1)) if (idx.cuts.has(nameKey(n))) { delegated = true; break; }
  if (delegated || idx.names.has(key)) return { zone, node: idx.nodes.get(key) ?? new Map(), delegated, tainted };
  // RFC 4592 §3.3.1: the closest encloser's wildcard answers for a name that does not exist.
  for (let n: Name = lt.slice(1); n.length >= zone.origin.length; n = n.slice(1)) {
    if (!idx.names.has(nameKey(n))) continue;
    const wildcard = ['*', ...n];
    const node = idx.nodes.get(nameKey(wildcard));
    return node ? { zone, node, wildcard, delegated, tainted } : { zone, delegated, tainted };
  }
  return { zone, delegated, tainted };
}

const hasAddress = (node?: ReadonlyMap<number, RRset>) => !!node && (node.has(TYPE.A) || node.has(TYPE.AAAA));

/** "x.example." or "x.example. (by the wildcard *.example.)". */
function shown(t: Name, r: Resolved): string {
  return r.wildcard ? `${nameToText(t)} (answered by the wildcard ${nameToText(r.wildcard)})` : nameToText(t);
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
  const r = resolve(ctx, t);
  if (!r || (r.delegated && !hasAddress(r.node))) return; // not ours, or the child's data: unknown here
  const cname = r.node?.get(TYPE.CNAME);
  if (cname) {
    ctx.report(`${rule}-cname`, { rrset: rs, index: i }, `${what} target ${shown(t, r)} is a CNAME; it must name a host with addresses`,
      `point the ${what} at the canonical name, or make ${nameToText(t)} a host`);
    return;
  }
  if (!isSubdomain(t, ctx.zone.origin) || hasAddress(r.node) || r.tainted) return;
  const why = r.node ? (r.wildcard ? 'has no A or AAAA' : 'exists but has no A or AAAA') : 'does not exist';
  ctx.report(`${rule}-target`, { rrset: rs, index: i }, `${what} target ${shown(t, r)} ${why} in ${nameToText(r.zone.origin)}`,
    `add it under hosts:, e.g. ${t[0]}: {ipv4: 192.0.2.25}`);
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
    const r = resolve(ctx, t);
    const cname = r && !r.delegated ? r.node?.get(TYPE.CNAME) : undefined;
    if (r && cname) {
      ctx.report('ns-cname', { rrset: rs, index: i }, `nameserver ${shown(t, r)} is a CNAME; an NS must name a host with addresses`,
        `name the canonical host, or make ${nameToText(t)} a host`);
      return;
    }
    // RFC 1034 §4.2.1 / RFC 9471: an in-zone nameserver needs its address here (as
    // glue below a delegation), or nobody can reach it; a wildcard gives no glue.
    const here = ctx.get(t, TYPE.A) ?? ctx.get(t, TYPE.AAAA);
    if (isSubdomain(t, origin) && !here && !zoneIndex(ctx.zone).tainted.has(nameKey(t))) {
      ctx.report('ns-glue', { rrset: rs, index: i }, `nameserver ${nameToText(t)} is inside ${nameToText(origin)} but has no A or AAAA here`,
        `add it under hosts:, e.g. ${t[0]}: {ipv4: 192.0.2.53}`);
    }
  });
}

export const targetsRules: LintModule = {
  rules: RULES,
  run(ctx) {
    const { origin, model } = ctx.zone;
    for (const rs of ctx.zone.rrsets) {
      if (rs.type === TYPE.MX) checkMx(ctx, rs);
      else if (rs.type === TYPE.SRV) rs.rdatas.forEach((rd, i) => { const t = rdataTarget(TYPE.SRV, rd); if (t) checkTarget(ctx, rs, i, t); });
      else if (rs.type === TYPE.NS) checkNs(ctx, rs);
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
