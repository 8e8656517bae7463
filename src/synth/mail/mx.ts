/**
 * MX (RFC 5321 §5.1, RFC 7505 null MX), SPF (RFC 7208) and the legacy
 * Sender ID record (RFC 4406, opt-in). SPF lists our own hosts' addresses
 * inline as ip4:/ip6:, so evaluating it costs the receiver no DNS lookups.
 */
import type { Name } from '../../util/name.js';
import { TYPE } from '../../wire/constants.js';
import { rdataToText } from '../../wire/rdata.js';
import type { IntentContext } from './context.js';

export interface MxTarget { name: Name; preference: number }

export function synthesizeMx(ctx: IntentContext): MxTarget[] | 'none' | undefined {
  const mx = ctx.model.mail?.mx;
  if (mx === undefined) return undefined;
  if (mx === 'none') {
    // RFC 7505 §3: a single MX with preference 0 and the root as exchange.
    ctx.add(ctx.origin, TYPE.MX, [['0', '.']], ['mail', 'mx'], 'mail.mx');
    return 'none';
  }
  const list = Array.isArray(mx) ? mx : [mx];
  const targets: MxTarget[] = [];
  list.forEach((e, i) => {
    const path = Array.isArray(mx) ? ['mail', 'mx', i] : ['mail', 'mx'];
    const ref = typeof e === 'string' ? e : e.host;
    // Default preferences 10, 20, 30... in the order written.
    const preference = typeof e === 'string' || e.preference === undefined ? (i + 1) * 10 : e.preference;
    if (/^[0-9.]+$/.test(ref) || ref.includes(':')) {
      ctx.error(path, 'mx-ip', `MX target "${ref}" is an address; an MX names a host (RFC 5321 §5.1)`, 'name the host (e.g. mail) and give it the address under hosts:');
      return;
    }
    const name = ctx.host(ref, path);
    if (!name) return;
    targets.push({ name, preference });
    // One add per target, so a problem with a target points at its own place.
    ctx.add(ctx.origin, TYPE.MX, [[String(preference), ctx.text(name)]], path, 'mail.mx');
  });
  return targets;
}

/** The mechanisms of the SPF record, for both v=spf1 and spf2.0/pra. */
function spfTerms(ctx: IntentContext, mx: MxTarget[] | 'none' | undefined): string[] {
  const spf = ctx.model.mail?.spf ?? {};
  const terms: string[] = [];
  const seen = new Set<string>();
  const push = (t: string) => { if (!seen.has(t)) { seen.add(t); terms.push(t); } };
  const inline = (name: Name, path: (string | number)[]) => {
    if (!ctx.inZone(name)) {
      ctx.error(path, 'spf-host', `${ctx.text(name)} is not in this zone, so its addresses cannot be inlined`, 'list hosts of this zone, or use include: / ip4: / ip6:');
      return;
    }
    const { v4, v6 } = ctx.addresses(name);
    if (!v4.length && !v6.length) {
      ctx.error(path, 'spf-host', `${ctx.text(name)} has no A or AAAA in this zone`, 'add it under hosts:');
      return;
    }
    for (const a of v4) push(`ip4:${rdataToText(TYPE.A, a.wire)}`);
    for (const a of v6) push(`ip6:${rdataToText(TYPE.AAAA, a.wire)}`);
  };
  (spf.hosts ?? []).forEach((h, i) => { const n = ctx.host(h, ['mail', 'spf', 'hosts', i]); if (n) inline(n, ['mail', 'spf', 'hosts', i]); });
  if (spf.mx && Array.isArray(mx)) {
    for (const t of mx) {
      if (ctx.inZone(t.name)) inline(t.name, ['mail', 'spf', 'mx']);
      else ctx.warn(['mail', 'spf', 'mx'], 'spf-host', `MX host ${ctx.text(t.name)} is outside this zone: its addresses are not inlined, so it is not authorized by mx: true`, 'add its provider\'s include: or its ip4:/ip6: networks');
    }
  }
  for (const a of spf.ip4 ?? []) push(`ip4:${a}`);
  for (const a of spf.ip6 ?? []) push(`ip6:${a}`);
  for (const d of spf.include ?? []) push(`include:${d.replace(/\.$/, '')}`);
  return terms;
}

export function synthesizeSpf(ctx: IntentContext, mx: MxTarget[] | 'none' | undefined): void {
  const mail = ctx.model.mail;
  if (!mail) return;
  const spf = mail.spf;
  if (!spf) {
    // RFC 7208 §10.1.2 (and the seeds): a domain that receives no mail and sends none says so.
    if (mx === 'none') ctx.addTxt(ctx.origin, 'v=spf1 -all', ['mail', 'mx'], 'mail.mx');
    return;
  }
  const terms = spfTerms(ctx, mx);
  // RFC 7208 §6.1: redirect is ignored when an "all" is present, so it is one or the other.
  const tail = spf.redirect !== undefined && spf.all === undefined
    ? `redirect=${spf.redirect.replace(/\.$/, '')}`
    : spf.all === 'softfail' ? '~all' : '-all';
  ctx.addTxt(ctx.origin, ['v=spf1', ...terms, tail].join(' '), ['mail', 'spf'], 'mail.spf');
  if (mail.caller_id === 'on' || mail.caller_id === true) {
    // RFC 4406 §3: Sender ID's spf2.0/pra record, same mechanisms.
    ctx.addTxt(ctx.origin, ['spf2.0/pra', ...terms, tail].join(' '), ['mail', 'caller_id'], 'mail.caller_id');
  }
  // HELO names get their own record so receivers that check the HELO identity
  // (RFC 7208 §2.3) find one: each in-zone MX host may send as itself.
  if (spf.helo !== false && Array.isArray(mx)) {
    for (const t of mx) {
      if (!ctx.inZone(t.name) || t.name.length === ctx.origin.length) continue;
      ctx.addTxt(t.name, 'v=spf1 a -all', ['mail', 'spf'], 'mail.spf.helo');
    }
  }
}
