/**
 * DMARC policy records (RFC 7489 §6.3, §6.4, with the DMARCbis tags np, psd
 * and t): every TXT at a `_dmarc` owner, whether `mail.dmarc` or `records:`
 * wrote it. Receivers discard a record that does not start with v=DMARC1 and
 * apply none when more than one remains (§6.6.3); report destinations in
 * another domain must authorize the reports (§7.1).
 */
import { type Name, isSubdomain, lowerName, nameToText, parseName } from '../util/name.js';
import { distance } from '../util/closest.js';
import { TYPE } from '../wire/constants.js';
import type { RRset } from '../wire/rrset.js';
import { type LintContext, type LintModule, type RuleInfo, txtText } from './rule.js';

const RULES: RuleInfo[] = [
  { id: 'dmarc-multiple', severity: 'error', rfc: 'RFC 7489 §6.6.3', summary: 'more than one DMARC record at one _dmarc name: receivers apply none of them' },
  { id: 'dmarc-version', severity: 'error', rfc: 'RFC 7489 §6.4', summary: 'a TXT at _dmarc does not start with v=DMARC1 (first tag, exact case): receivers discard it' },
  { id: 'dmarc-tag', severity: 'error', rfc: 'RFC 7489 §6.3', summary: 'an unknown DMARC tag (a typo receivers silently ignore), a duplicate tag, or text that is not tag=value' },
  { id: 'dmarc-policy', severity: 'error', rfc: 'RFC 7489 §6.3', summary: 'p= missing, or p/sp/np not none, quarantine or reject' },
  { id: 'dmarc-value', severity: 'error', rfc: 'RFC 7489 §6.3', summary: 'pct not 0-100, adkim/aspf not r|s, fo not a list of 0 1 d s, ri not a number, psd not y|n|u, t not y|n' },
  { id: 'dmarc-uri', severity: 'error', rfc: 'RFC 7489 §6.2', summary: 'a rua/ruf URI without a scheme, or a mailto: without an address' },
  { id: 'dmarc-report-auth', severity: 'warning', rfc: 'RFC 7489 §7.1', summary: 'reports go to another domain we serve, which lacks <policy-domain>._report._dmarc.<destination> TXT "v=DMARC1"' },
  { id: 'dmarc-report-auth-external', severity: 'info', rfc: 'RFC 7489 §7.1', summary: 'reports go to a domain we do not serve: the authorization record its owner must publish' },
  { id: 'dmarc-p-none', severity: 'warning', rfc: 'RFC 7489 §6.3', summary: 'p=none only monitors: forged mail is still delivered' },
];

/** RFC 7489 §6.3 tags, and DMARCbis np, psd, t. */
const KNOWN_TAGS = ['v', 'p', 'sp', 'rua', 'ruf', 'adkim', 'aspf', 'ri', 'fo', 'rf', 'pct', 'np', 'psd', 't'];
const POLICIES = ['none', 'quarantine', 'reject'];

/** §6.4: dmarc-version = "v" *WSP "=" *WSP %x44.4d.41.52.43.31, then a separator or the end. */
const VERSION = /^v[ \t]*=[ \t]*DMARC1[ \t]*(;|$)/i;
const VERSION_EXACT = /^[vV][ \t]*=[ \t]*DMARC1[ \t]*(;|$)/;

const VALUES: Record<string, { re: RegExp; want: string }> = {
  pct: { re: /^[0-9]{1,3}$/, want: 'a whole percentage 0-100' },
  adkim: { re: /^[rs]$/i, want: 'r (relaxed) or s (strict)' },
  aspf: { re: /^[rs]$/i, want: 'r (relaxed) or s (strict)' },
  fo: { re: /^[01ds]([ \t]*:[ \t]*[01ds])*$/i, want: 'a colon-separated list of 0, 1, d, s' },
  ri: { re: /^[0-9]+$/, want: 'a number of seconds' },
  psd: { re: /^[ynu]$/i, want: 'y, n or u' },
  t: { re: /^[yn]$/i, want: 'y or n' },
};

interface Tag { name: string; value: string }

export const dmarcRules: LintModule = {
  rules: RULES,
  run(ctx) {
    for (const rs of ctx.records) {
      if (rs.type === TYPE.TXT && rs.owner[0] === '_dmarc') checkRRset(ctx, rs);
    }
  },
};

function checkRRset(ctx: LintContext, rs: RRset): void {
  const texts = rs.rdatas.map(txtText);
  const owner = nameToText(rs.owner);
  const versioned = texts.map((t, i) => (VERSION.test(t) ? i : -1)).filter((i) => i >= 0);
  if (versioned.length > 1) {
    ctx.report('dmarc-multiple', { rrset: rs, index: versioned[1] }, `${owner} has ${versioned.length} DMARC records${linesOf(rs, versioned)}: receivers apply none of them`,
      'keep one record and merge the tags into it');
  }
  texts.forEach((text, i) => checkRecord(ctx, rs, i, text));
}

function checkRecord(ctx: LintContext, rs: RRset, i: number, text: string): void {
  const where = { rrset: rs, index: i };
  if (!VERSION_EXACT.test(text)) {
    let why: string;
    if (VERSION.test(text)) why = 'starts with a version other than exactly "DMARC1" (the value is case-sensitive)';
    else if (/(^|;)[ \t]*v[ \t]*=[ \t]*DMARC1[ \t]*(;|$)/i.test(text)) why = 'has v=DMARC1, but not as its first tag';
    else why = 'does not start with v=DMARC1';
    ctx.report('dmarc-version', where, `"${short(text)}" at ${nameToText(rs.owner)} ${why}: receivers discard it`,
      'start the record with exactly v=DMARC1; e.g. "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"');
    return;
  }

  const tags = new Map<string, string>();
  for (const seg of text.split(';')) {
    const s = seg.replace(/^[ \t]+|[ \t]+$/g, '');
    if (!s) continue;
    const m = /^([A-Za-z][A-Za-z0-9_]*)[ \t]*=[ \t]*(.*)$/s.exec(s);
    if (!m) {
      ctx.report('dmarc-tag', where, `"${short(s)}" is not a tag=value pair`, 'separate tags with ";", e.g. v=DMARC1; p=reject');
      continue;
    }
    const tag: Tag = { name: m[1]!.toLowerCase(), value: m[2]! };
    if (!KNOWN_TAGS.includes(tag.name)) {
      const near = KNOWN_TAGS.filter((k) => k.length > 1 && distance(k, tag.name) === 1);
      ctx.report('dmarc-tag', where, `unknown tag "${m[1]}": receivers ignore it`,
        near.length ? `did you mean ${near.join(' or ')}?` : `the tags are ${KNOWN_TAGS.join(' ')}`);
      continue;
    }
    if (tags.has(tag.name)) {
      ctx.report('dmarc-tag', where, `tag ${tag.name}= appears twice`, 'give each tag once');
      continue;
    }
    tags.set(tag.name, tag.value);
  }

  const p = tags.get('p');
  // mail.dmarc's values are held to these same enums and ranges by the schema,
  // which reports them at their own key: one mistake, one finding.
  if (rs.sources[i]?.helper !== 'mail.dmarc') checkValues(ctx, where, tags);

  const dests = new Map<string, Name>();
  for (const name of ['rua', 'ruf']) {
    const v = tags.get(name);
    if (v === undefined) continue;
    for (const raw of v.split(',')) {
      const d = checkUri(ctx, where, name, raw.trim());
      if (d) dests.set(nameToText(d), d);
    }
  }
  const policyDomain = rs.owner.slice(1);
  for (const dest of dests.values()) checkAuthorization(ctx, rs, i, policyDomain, dest);

  if (p?.toLowerCase() === 'none') {
    ctx.report('dmarc-p-none', where, 'p=none only monitors: forged mail is still delivered',
      'move to p=quarantine, then p=reject, once reports show your own mail passes');
  }
}

/** p, sp and np (dmarc-policy), and the other tags with a fixed form (dmarc-value). */
function checkValues(ctx: LintContext, where: { rrset: RRset; index: number }, tags: ReadonlyMap<string, string>): void {
  if (!tags.has('p')) {
    ctx.report('dmarc-policy', where, 'no p= tag: the record requests no policy', 'add p=none, p=quarantine or p=reject after v=DMARC1');
  }
  for (const name of ['p', 'sp', 'np']) {
    const v = tags.get(name);
    if (v !== undefined && !POLICIES.includes(v.toLowerCase())) {
      ctx.report('dmarc-policy', where, `${name}=${v} is not a policy`, 'one of none, quarantine, reject');
    }
  }
  for (const [name, { re, want }] of Object.entries(VALUES)) {
    const v = tags.get(name);
    if (v === undefined) continue;
    if (!re.test(v) || (name === 'pct' && Number(v) > 100)) ctx.report('dmarc-value', where, `${name}=${v} is not ${want}`);
  }
}

/** One rua/ruf URI (§6.2: a URI with a scheme, "!size" optional); returns a mailto: destination domain. */
function checkUri(ctx: LintContext, where: { rrset: RRset; index: number }, tag: string, uri: string): Name | undefined {
  if (!uri) {
    ctx.report('dmarc-uri', where, `${tag}= has an empty URI`, 'separate URIs with "," and leave none empty');
    return undefined;
  }
  const bare = uri.replace(/![0-9]+[kmgt]?$/i, '');
  const scheme = /^([a-z][a-z0-9+.-]*):(.+)$/i.exec(bare);
  if (!scheme) {
    ctx.report('dmarc-uri', where, `${tag}=${uri} is not a URI with a scheme`, /@/.test(uri) ? `write mailto:${uri}` : 'write mailto:dmarc@example.com');
    return undefined;
  }
  if (scheme[1]!.toLowerCase() !== 'mailto') return undefined;
  const address = decodeSafe(scheme[2]!.replace(/\?.*$/, ''));
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) {
    ctx.report('dmarc-uri', where, `${tag}=${uri}: "${address}" is not a mail address`, 'write mailto:local-part@domain');
    return undefined;
  }
  const domain = address.slice(at + 1);
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?$/.test(domain)) {
    ctx.report('dmarc-uri', where, `${tag}=${uri}: "${domain}" is not a domain name`,
      'a "," or "!" inside a URI must be percent-encoded (RFC 7489 §6.4)');
    return undefined;
  }
  try {
    return lowerName(parseName(domain.replace(/\.?$/, '.')));
  } catch (e) {
    ctx.report('dmarc-uri', where, `${tag}=${uri}: ${(e as Error).message}`);
    return undefined;
  }
}

/**
 * RFC 7489 §7.1: a destination outside the policy domain accepts its reports
 * by publishing `<policy domain>._report._dmarc.<destination>` TXT
 * "v=DMARC1" (or the wildcard `*._report._dmarc.<destination>`). A
 * destination in this zone counts as the same organization.
 */
function checkAuthorization(ctx: LintContext, rs: RRset, i: number, policyDomain: Name, dest: Name): void {
  if (isSubdomain(dest, policyDomain) || isSubdomain(dest, ctx.zone.origin)) return;
  const authName = [...policyDomain, '_report', '_dmarc', ...dest];
  const record = `${nameToText(authName)} TXT "v=DMARC1"`;
  // The resolver's question, answered by the exact name or the wildcard *._report._dmarc.<destination>.
  const r = ctx.ask(authName, TYPE.TXT);
  if (r.kind === 'refused' || r.kind === 'referral') {
    ctx.report('dmarc-report-auth-external', { rrset: rs, index: i },
      `reports go to ${nameToText(dest)}, a domain we do not serve: receivers send them only if its owner publishes ${record}`,
      `ask the owner of ${nameToText(dest)} to publish it (a report provider usually has)`);
    return;
  }
  if (r.kind === 'success' && r.rrset!.rdatas.some((rd) => VERSION.test(txtText(rd)))) return;
  const z = ctx.zoneOf(dest)!;
  ctx.report('dmarc-report-auth', { rrset: rs, index: i },
    `reports go to ${nameToText(dest)}, but ${nameToText(z.origin)} (served here) lacks ${record}: receivers will not send them`,
    `in ${nameToText(z.origin)}, records: ${JSON.stringify(nameToText(authName).slice(0, -(nameToText(z.origin).length + 1)))}: {type: TXT, value: v=DMARC1} (mail.dmarc publishes it when it writes the policy)`);
}

function decodeSafe(s: string): string {
  try { return decodeURIComponent(s); } catch { return s; }
}

/** " (lines 4, 7)" when the records were written on different lines. */
function linesOf(rs: RRset, indexes: number[]): string {
  const lines = new Set(indexes.map((i) => rs.sources[i]?.line ?? 0));
  return lines.size === indexes.length && !lines.has(0) ? ` (lines ${[...lines].join(', ')})` : '';
}

function short(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
