/**
 * CAA property tags and issuers (RFC 8659), SOA timers (RFC 1912 §2.2), and
 * RRsets too large for one UDP answer, or for any answer.
 */
import { nameToText, wireLength } from '../util/name.js';
import { EDNS_UDP_SIZE } from '../query/respond.js';
import { TYPE, typeToText } from '../wire/constants.js';
import type { Rdata } from '../wire/rdata.js';
import type { LintContext, LintModule, RuleInfo } from './rule.js';

const RULES: RuleInfo[] = [
  { id: 'caa-tag', severity: 'error', rfc: 'RFC 8659 §4.1', summary: 'a CAA property with the critical flag has a tag CAs do not know: every CA must refuse to issue' },
  { id: 'caa-tag-unknown', severity: 'warning', rfc: 'RFC 8659 §4.1', summary: 'a CAA property has a tag CAs do not know (issue, issuewild, iodef, issuemail, issuevmc, contactemail, contactphone); it is ignored' },
  { id: 'caa-issuer', severity: 'error', rfc: 'RFC 8659 §4.2', summary: 'a CAA issue/issuewild/issuemail value does not start with a CA domain name (e.g. "letsencrypt" without a dot)' },
  { id: 'soa-timers', severity: 'warning', rfc: 'RFC 1912 §2.2', summary: 'SOA refresh, retry, expire or minimum outside the usual ranges (1200-43200, 120-7200, 1209600-2419200, at most 86400)' },
  { id: 'rrset-size', severity: 'warning', rfc: 'RFC 9715 §3.2', summary: `an RRset whose answer exceeds ${EDNS_UDP_SIZE} octets with EDNS: always truncated over UDP, clients retry over TCP` },
  { id: 'rrset-too-large', severity: 'error', rfc: 'RFC 1035 §4.2.2', summary: 'an RRset whose answer exceeds 65535 octets, the largest DNS message: it cannot be served over UDP or TCP' },
];

/** RFC 1035 §4.2.2: a TCP message is prefixed by a two-octet length. */
const MAX_MESSAGE = 65535;

/** RFC 8659 §4.2-4.4, RFC 9495 (issuemail), and the CA/Browser Forum's issuevmc, contactemail, contactphone. */
const CAA_TAGS = new Set(['issue', 'issuewild', 'iodef', 'issuemail', 'issuevmc', 'contactemail', 'contactphone']);
/** Tags whose value is `issuer-domain-name [; parameters]` (RFC 8659 §4.2, RFC 9495 §3). */
const ISSUER_TAGS = new Set(['issue', 'issuewild', 'issuemail']);
/** RFC 8659 §4.2 issuer-domain-name: labels of letters, digits and inner hyphens; a CA's name has at least two. */
const ISSUER = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;

function caa(rd: Rdata): { flags: number; tag: string; value: string } | undefined {
  const w = rd.wire;
  if (w.length < 2 || w.length < 2 + w[1]!) return undefined;
  return { flags: w[0]!, tag: w.toString('latin1', 2, 2 + w[1]!), value: w.subarray(2 + w[1]!).toString('utf8') };
}

function checkCaa(ctx: LintContext): void {
  for (const rs of ctx.records) {
    if (rs.type !== TYPE.CAA) continue;
    const owner = nameToText(rs.owner);
    rs.rdatas.forEach((rd, i) => {
      const p = caa(rd);
      if (!p) return;
      // RFC 8659 §4.1: tags match case-insensitively.
      const tag = p.tag.toLowerCase();
      if (!CAA_TAGS.has(tag)) {
        if (p.flags & 0x80) {
          ctx.report('caa-tag', { rrset: rs, index: i }, `${owner} CAA tag "${p.tag}" is unknown and marked critical (flags ${p.flags}): a CA must not issue for the name at all`,
            `check the spelling (one of ${[...CAA_TAGS].join(', ')}), or clear the critical flag (0)`);
        } else {
          ctx.report('caa-tag-unknown', { rrset: rs, index: i }, `${owner} CAA tag "${p.tag}" is not one CAs know; they ignore the property`,
            `check the spelling: one of ${[...CAA_TAGS].join(', ')}`);
        }
        return;
      }
      if (!ISSUER_TAGS.has(tag)) return;
      const issuer = p.value.split(';')[0]!.trim();
      if (issuer === '' || ISSUER.test(issuer)) return;
      ctx.report('caa-issuer', { rrset: rs, index: i }, `${owner} CAA ${tag} "${p.value}": "${issuer}" is not a CA's domain name, so no CA matches it and none may issue`,
        'name the CA by the domain it documents for CAA (e.g. letsencrypt.org), parameters after ";"; a lone ";" forbids issuance');
    });
  }
}

const TIMERS = [
  { name: 'refresh', min: 1200, max: 43200 },
  { name: 'retry', min: 120, max: 7200 },
  { name: 'expire', min: 1209600, max: 2419200 },
  { name: 'minimum', min: 0, max: 86400 },
] as const;

function skipName(w: Buffer, o: number): number {
  while (o < w.length && w[o] !== 0) o += w[o]! + 1;
  return o + 1;
}

function checkSoa(ctx: LintContext): void {
  const rs = ctx.get(ctx.zone.origin, TYPE.SOA);
  const w = rs?.rdatas[0]?.wire;
  if (!rs || !w) return;
  const o = skipName(w, skipName(w, 0)) + 4; // mname, rname, serial
  if (o + 16 > w.length) return;
  const bad = TIMERS.map((t, i) => ({ ...t, v: w.readUInt32BE(o + 4 * i) })).filter((t) => t.v < t.min || t.v > t.max);
  if (!bad.length) return;
  const range = (t: (typeof bad)[number]) => (t.min === 0 ? `at most ${t.max}` : `${t.min}-${t.max}`);
  ctx.report('soa-timers', { rrset: rs }, `${nameToText(ctx.zone.origin)} SOA ${bad.map((t) => `${t.name} ${t.v} (want ${range(t)})`).join(', ')}`,
    'the defaults are in range: leave soa: refresh/retry/expire/minimum out, or e.g. refresh: 4h, retry: 1h, expire: 2w, minimum: 1h');
}

/** Octets of a UDP answer with this RRset alone: header, question, the records (owner compressed to a pointer), OPT. */
export function answerSize(owner: readonly string[], rdatas: readonly Rdata[]): number {
  let n = 12 + wireLength(owner) + 4;
  for (const rd of rdatas) n += 2 + 10 + rd.wire.length;
  return n + 11;
}

function checkSize(ctx: LintContext): void {
  for (const rs of ctx.records) {
    const size = answerSize(rs.owner, rs.rdatas);
    if (size <= EDNS_UDP_SIZE) continue;
    if (size > MAX_MESSAGE) {
      ctx.report('rrset-too-large', { rrset: rs }, `${nameToText(rs.owner)} ${typeToText(rs.type)}: ${rs.rdatas.length} records make an answer of about ${size} octets, over the ${MAX_MESSAGE} of any DNS message: every query gets a truncated, empty answer, over TCP too`,
        'publish fewer or shorter records at this name');
      continue;
    }
    ctx.report('rrset-size', { rrset: rs }, `${nameToText(rs.owner)} ${typeToText(rs.type)}: ${rs.rdatas.length} records make an answer of about ${size} octets, over the ${EDNS_UDP_SIZE} of an EDNS UDP reply: every UDP query gets a truncated answer and retries over TCP`,
      'fewer or shorter records at this name (e.g. move verification tokens to their own names), or accept the TCP retry');
  }
}

export const miscRules: LintModule = {
  rules: RULES,
  run(ctx) {
    checkCaa(ctx);
    checkSoa(ctx);
    checkSize(ctx);
  },
};
