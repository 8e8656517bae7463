/**
 * SMTP MTA Strict Transport Security (RFC 8461) and TLS reporting
 * (RFC 8460). The MTA-STS policy id is derived from the policy text, so it
 * changes exactly when the policy does (RFC 8461 §3.1).
 */
import { createHash } from 'node:crypto';
import { list } from '../../config/intent.js';
import { parseDuration } from '../../util/ttl.js';
import { nameToText } from '../../util/name.js';
import { TYPE } from '../../wire/constants.js';
import type { IntentContext } from './context.js';
import type { MxTarget } from './mx.js';

/** RFC 8461 §3.2: max_age is at most 31557600 seconds (one year). */
const MAX_AGE_LIMIT = 31557600;
const DEFAULT_MAX_AGE = 604800; // one week

/** The policy file served at https://mta-sts.<domain>/.well-known/mta-sts.txt (RFC 8461 §3.2, CRLF lines). */
export function mtaStsPolicy(mode: string, mx: string[], maxAge: number): string {
  return [`version: STSv1`, `mode: ${mode}`, ...mx.map((m) => `mx: ${m}`), `max_age: ${maxAge}`].join('\r\n') + '\r\n';
}

export function synthesizeMtaSts(ctx: IntentContext, mx: MxTarget[] | 'none' | undefined): string | undefined {
  const sts = ctx.model.mail?.mta_sts;
  if (!sts) return undefined;
  const path = ['mail', 'mta_sts'];
  let maxAge = DEFAULT_MAX_AGE;
  if (sts.max_age !== undefined) {
    const v = parseDuration(sts.max_age);
    if (v === undefined || v > MAX_AGE_LIMIT) {
      ctx.error([...path, 'max_age'], 'mta-sts', `max_age "${sts.max_age}" must be a duration of at most 31557600 seconds (RFC 8461 §3.2)`);
      return undefined;
    }
    maxAge = v;
  }
  // mx patterns are names as RFC 8461 §4.1 writes them (mail.example.com, *.example.net);
  // a single label (mail) is a host of this zone, as everywhere in mail:.
  const patterns = sts.mx
    ? sts.mx.map((p, i) => (p.replace(/\.$/, '').includes('.') ? p.replace(/\.$/, '') : nameToText(ctx.host(p, [...path, 'mx', i]) ?? []).replace(/\.$/, '')))
    : Array.isArray(mx) ? mx.map((t) => nameToText(t.name).replace(/\.$/, '')) : [];
  if (!patterns.length && sts.mode !== 'none') {
    ctx.error(path, 'mta-sts', 'an MTA-STS policy needs mx lines: give mail.mx, or mta_sts.mx patterns', 'e.g. mx: [mail] under mail:');
    return undefined;
  }
  const policy = mtaStsPolicy(sts.mode, patterns, maxAge);
  // RFC 8461 §3.1: id is 1-32 letters and digits.
  const id = createHash('sha256').update(policy).digest('hex').slice(0, 20);
  ctx.addTxt(ctx.child('_mta-sts'), `v=STSv1; id=${id}`, path, 'mail.mta_sts');
  if (sts.host !== undefined) {
    const target = ctx.host(sts.host, [...path, 'host']);
    if (target) ctx.add(ctx.child('mta-sts'), TYPE.CNAME, [[ctx.token(sts.host, target)]], path, 'mail.mta_sts');
  }
  return policy;
}

export function synthesizeTlsRpt(ctx: IntentContext): void {
  const rpt = ctx.model.mail?.tls_rpt;
  if (!rpt) return;
  const path = ['mail', 'tls_rpt'];
  const uris = list(rpt.rua).map((u) => (/^[^:@\s]+@[^@\s]+$/.test(u) ? `mailto:${u}` : u));
  const bad = uris.filter((u) => !/^(mailto:[^\s,;!]+@[^\s,;!]+|https:\/\/[^\s,;!]+)$/i.test(u));
  if (bad.length) {
    ctx.error([...path, 'rua'], 'tls-rpt', `rua ${bad.join(', ')}: each must be mailto: or https: (RFC 8460 §3)`);
    return;
  }
  // RFC 8460 §3: "v=TLSRPTv1; rua=<uri>[,<uri>]" at _smtp._tls.
  ctx.addTxt(ctx.child('_smtp', '_tls'), `v=TLSRPTv1; rua=${uris.join(',')}`, path, 'mail.tls_rpt');
}
