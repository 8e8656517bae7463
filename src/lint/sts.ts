/**
 * SMTP MTA Strict Transport Security (RFC 8461) and TLS reporting
 * (RFC 8460): the `_mta-sts` and `_smtp._tls` TXT records, whoever wrote
 * them, and the policy file mail.mta_sts makes (its mode, max_age, and mx
 * patterns against the zone's own MX hosts). Senders discard TXT records
 * that do not start with the version and ignore the mechanism when more than
 * one remains.
 */
import { type Name, nameToText } from '../util/name.js';
import { TYPE } from '../wire/constants.js';
import { rdataTarget } from '../wire/rdata.js';
import type { RRset } from '../wire/rrset.js';
import { type LintContext, type LintModule, type RuleInfo, txtText } from './rule.js';

const RULES: RuleInfo[] = [
  { id: 'mta-sts-record', severity: 'error', rfc: 'RFC 8461 §3.1', summary: 'the _mta-sts TXT is not "v=STSv1; id=<1-32 letters and digits>", or there is more than one' },
  { id: 'mta-sts-mx', severity: 'warning', rfc: 'RFC 8461 §4.1', summary: 'an MX host of the zone matches no mx: pattern of the MTA-STS policy (*.example.com matches one label)' },
  { id: 'mta-sts-max-age', severity: 'error', rfc: 'RFC 8461 §3.2', summary: 'the MTA-STS policy max_age is not a number of seconds up to 31557600 (a year)' },
  { id: 'mta-sts-mode', severity: 'error', rfc: 'RFC 8461 §3.2', summary: 'the MTA-STS policy mode is not enforce, testing or none' },
  { id: 'tls-rpt', severity: 'error', rfc: 'RFC 8460 §3', summary: 'the _smtp._tls TXT is not "v=TLSRPTv1; rua=<mailto: or https: URIs>", or there is more than one' },
];

/** RFC 8461 §3.2: max_age is at most 31557600 seconds (one year). */
const MAX_AGE_LIMIT = 31557600;

/** RFC 8461 §3.1 / RFC 8460 §3: sts-sep / field-delim = *WSP ";" *WSP. */
const SEP = /[ \t]*;[ \t]*/;
/** sts-ext-name / tlsrpt-ext-name, "=", a value of printable ASCII other than ";" and "=" (and space). */
const EXTENSION = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}=[\x21-\x3a\x3c\x3e-\x7e]+$/;
const TLSRPT_URI = /^(mailto:[^\s,;!@]+@[^\s,;!@]+|https:\/\/[^\s,;]+)$/i;

export const stsRules: LintModule = {
  rules: RULES,
  run(ctx) {
    for (const rs of ctx.records) {
      if (rs.type !== TYPE.TXT) continue;
      if (rs.owner[0] === '_mta-sts') checkStsRecords(ctx, rs);
      else if (rs.owner[0] === '_smtp' && rs.owner[1] === '_tls') checkTlsRpt(ctx, rs);
    }
    if (ctx.zone.mtaStsPolicy !== undefined) checkPolicy(ctx, ctx.zone.mtaStsPolicy);
  },
};

/** Records beyond the first that start with the version: the mechanism then does not apply. */
function checkMultiple(ctx: LintContext, rs: RRset, texts: string[], version: RegExp, rule: string, what: string): void {
  const versioned = texts.map((t, i) => (version.test(t) ? i : -1)).filter((i) => i >= 0);
  if (versioned.length < 2) return;
  ctx.report(rule, { rrset: rs, index: versioned[1] }, `${nameToText(rs.owner)} has ${versioned.length} ${what} records${linesOf(rs, versioned)}: senders ignore them all`,
    'keep exactly one record');
}

/** RFC 8461 §3.1: sts-text-record = "v=STSv1" 1*(sts-sep sts-field) [sts-sep], with exactly one id=1*32(ALPHA / DIGIT). */
function checkStsRecords(ctx: LintContext, rs: RRset): void {
  const texts = rs.rdatas.map(txtText);
  checkMultiple(ctx, rs, texts, /^v=STSv1[ \t]*;/, 'mta-sts-record', 'MTA-STS');
  const hint = 'write "v=STSv1; id=<new id>", with an id of 1-32 letters and digits that changes whenever the policy does (mail.mta_sts makes it)';
  texts.forEach((text, i) => {
    const where = { rrset: rs, index: i };
    const bad = (why: string) => ctx.report('mta-sts-record', where, `"${short(text)}" at ${nameToText(rs.owner)} ${why}; senders ignore the MTA-STS policy`, hint);
    const fields = text.split(SEP);
    if (fields[0] !== 'v=STSv1') { bad('does not start with v=STSv1 (exact case)'); return; }
    if (fields.length > 1 && fields[fields.length - 1] === '') fields.pop(); // a trailing separator
    const ids: string[] = [];
    for (const f of fields.slice(1)) {
      if (!EXTENSION.test(f)) { bad(f ? `has "${short(f)}", which is not a field=value` : 'has an empty field'); return; }
      if (f.startsWith('id=')) ids.push(f.slice(3));
    }
    if (ids.length !== 1) { bad(ids.length ? 'has more than one id=' : 'has no id='); return; }
    if (!/^[A-Za-z0-9]{1,32}$/.test(ids[0]!)) bad(`has id=${ids[0]}, which is not 1-32 letters and digits`);
  });
}

/** RFC 8460 §3: "v=TLSRPTv1" 1*(field-delim tlsrpt-field) [field-delim], rua= a comma-separated list of mailto:/https: URIs. */
function checkTlsRpt(ctx: LintContext, rs: RRset): void {
  const texts = rs.rdatas.map(txtText);
  checkMultiple(ctx, rs, texts, /^v=TLSRPTv1[ \t]*;/, 'tls-rpt', 'TLS-RPT');
  const hint = 'write "v=TLSRPTv1; rua=mailto:tlsrpt@example.com" (several URIs separated by ",")';
  texts.forEach((text, i) => {
    const where = { rrset: rs, index: i };
    const bad = (why: string) => ctx.report('tls-rpt', where, `"${short(text)}" at ${nameToText(rs.owner)} ${why}; senders send no TLS reports`, hint);
    const fields = text.split(SEP);
    if (fields[0] !== 'v=TLSRPTv1' || fields.length < 2) { bad('does not start with "v=TLSRPTv1;" (exact case)'); return; }
    if (fields[fields.length - 1] === '') fields.pop();
    let rua: string | undefined;
    for (const f of fields.slice(1)) {
      if (f.startsWith('rua=')) {
        if (rua !== undefined) { bad('has more than one rua='); return; }
        rua = f.slice(4);
      } else if (!EXTENSION.test(f)) { bad(f ? `has "${short(f)}", which is not a field=value` : 'has an empty field'); return; }
    }
    if (rua === undefined) { bad('has no rua='); return; }
    const wrong = rua.split(/[ \t]*,[ \t]*/).filter((u) => !TLSRPT_URI.test(u));
    if (wrong.length) bad(`has rua URIs that are not mailto:address or https://...: ${wrong.map((u) => `"${u}"`).join(', ')}`);
  });
}

interface Policy { mode?: string; maxAge?: string; mx: string[] }

/** RFC 8461 §3.2: lines of "key: value", CRLF (LF accepted). */
function parsePolicy(text: string): Policy {
  const p: Policy = { mx: [] };
  for (const line of text.split(/\r?\n/)) {
    const m = /^([A-Za-z0-9_.-]+)[ \t]*:[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!m) continue;
    if (m[1] === 'mode') p.mode = m[2];
    else if (m[1] === 'max_age') p.maxAge = m[2];
    else if (m[1] === 'mx') p.mx.push(m[2]!);
  }
  return p;
}

/** RFC 8461 §4.1: a pattern is a host name, or "*." and a name, where "*" stands for exactly one label. */
function mxMatches(pattern: string, host: string): boolean {
  const pat = pattern.toLowerCase().replace(/\.$/, '');
  const h = host.toLowerCase().replace(/\.$/, '');
  if (!pat.startsWith('*.')) return pat === h;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot + 1) === pat.slice(2);
}

function checkPolicy(ctx: LintContext, text: string): void {
  const { model, origin } = ctx.zone;
  const p = parsePolicy(text);
  if (p.mode === undefined || !['enforce', 'testing', 'none'].includes(p.mode)) {
    ctx.report('mta-sts-mode', model.at(['mail', 'mta_sts', 'mode']), `the MTA-STS policy has ${p.mode === undefined ? 'no mode' : `mode: ${p.mode}`}; senders reject the policy`,
      'mode: enforce, testing or none');
  }
  if (p.maxAge === undefined || !/^[0-9]{1,10}$/.test(p.maxAge) || Number(p.maxAge) > MAX_AGE_LIMIT) {
    ctx.report('mta-sts-max-age', model.at(['mail', 'mta_sts', 'max_age']), `the MTA-STS policy has ${p.maxAge === undefined ? 'no max_age' : `max_age: ${p.maxAge}`}; it must be a number of seconds up to ${MAX_AGE_LIMIT} (a year)`,
      'e.g. max_age: 1w while testing, then up to 365d');
  }
  if (p.mode === 'none') return; // RFC 8461 §5: a policy of mode none does not restrict delivery
  const mx = ctx.get(origin, TYPE.MX);
  mx?.rdatas.forEach((rd, i) => {
    const target: Name = rdataTarget(TYPE.MX, rd) ?? [];
    if (target.length === 0) return; // null MX
    const host = nameToText(target).replace(/\.$/, '');
    if (p.mx.some((pat) => mxMatches(pat, host))) return;
    ctx.report('mta-sts-mx', { rrset: mx, index: i },
      `MX host ${host} matches no mx: line of the MTA-STS policy (${p.mx.length ? p.mx.join(', ') : 'none'}); ${p.mode === 'enforce' ? 'senders will not deliver to it' : 'senders report failures for it'}`,
      model.mail?.mta_sts?.mx
        ? `add it to mail.mta_sts.mx (a pattern *.${host.slice(host.indexOf('.') + 1)} matches one label), or leave mta_sts.mx out to take mail.mx`
        : 'the policy lists the hosts of mail.mx, and this MX is not one of them (an MX under records: replaces mail.mx): list it in mail.mx or mail.mta_sts.mx');
  });
}

/** " (lines 4, 7)" when the records were written on different lines. */
function linesOf(rs: RRset, indexes: number[]): string {
  const lines = new Set(indexes.map((i) => rs.sources[i]?.line ?? 0));
  return lines.size === indexes.length && !lines.has(0) ? ` (lines ${[...lines].join(', ')})` : '';
}

function short(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
