/**
 * MX (RFC 5321 §5.1, RFC 7505 null MX), SPF (RFC 7208) and the legacy
 * Sender ID record (RFC 4406, opt-in). SPF lists our own hosts' addresses
 * inline as ip4:/ip6:, so evaluating it costs the receiver no DNS lookups.
 */
import type { Name } from '../../util/name.js';
import { TYPE } from '../../wire/constants.js';
import { rdataTarget, rdataToText } from '../../wire/rdata.js';
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
    if (ref === '.') {
      // A null MX written as a host: published as RFC 7505 §3 has it ("0 ."), so the
      // lint judges it by that rule (mx-null-alone beside other hosts), not as an address.
      ctx.add(ctx.origin, TYPE.MX, [['0', '.']], path, 'mail.mx');
      return;
    }
    if (/^[0-9.]+$/.test(ref) || ref.includes(':')) {
      ctx.error(path, 'mx-ip', `MX target "${ref}" is an address; an MX names a host (RFC 5321 §5.1)`, 'name the host (e.g. mail) and give it the address under hosts:');
      return;
    }
    const name = ctx.host(ref, path);
    if (!name) return;
    targets.push({ name, preference });
    // One add per target, so a problem with a target points at its own place.
    ctx.add(ctx.origin, TYPE.MX, [[String(preference), ctx.token(ref, name)]], path, 'mail.mx');
  });
  return targets;
}

/**
 * The mechanisms of the SPF record, for both v=spf1 and spf2.0/pra. Every
 * host the intent names is authorized: a host with addresses in this zone
 * is inlined as ip4:/ip6: (no lookup for the receiver); any other host gets
 * a:HOST (RFC 7208 §5.3), and MX hosts that are not ours the mx mechanism
 * (§5.4), each one DNS lookup of the ten a receiver allows (§4.6.4, counted
 * by the spf-lookups lint). Whether those hosts have addresses at all is the
 * lint's question (spf-intent), asked through the server's lookup. The
 * address terms come first, so mail from them matches before any lookup.
 */
function spfTerms(ctx: IntentContext): string[] {
  const spf = ctx.model.mail?.spf ?? {};
  const addresses: string[] = [];
  const lookups: string[] = [];
  const push = (list: string[], t: string) => { if (!addresses.includes(t) && !lookups.includes(t)) list.push(t); };
  const inline = (name: Name) => {
    const { v4, v6 } = ctx.addresses(name);
    for (const a of v4) push(addresses, `ip4:${rdataToText(TYPE.A, a.wire)}`);
    for (const a of v6) push(addresses, `ip6:${rdataToText(TYPE.AAAA, a.wire)}`);
  };
  (spf.hosts ?? []).forEach((h, i) => {
    const n = ctx.host(h, ['mail', 'spf', 'hosts', i]);
    if (!n) return;
    if (ctx.ownHost(n)) inline(n);
    else push(lookups, `a:${ctx.text(n).replace(/\.$/, '')}`);
  });
  if (spf.mx) {
    // The MX hosts as published: mail.mx, or an MX set under records: that replaced it.
    const targets = (ctx.out.get(ctx.origin, TYPE.MX)?.rdatas ?? []).map((rd) => rdataTarget(TYPE.MX, rd)).filter((t): t is Name => !!t && t.length > 0);
    if (!targets.length && ctx.model.mail?.mx !== 'none') {
      ctx.error(['mail', 'spf', 'mx'], 'spf-host', 'mx: true, but the zone publishes no MX host', 'list the MX hosts under mail.mx, or remove mx: true');
    }
    let others = false;
    for (const t of targets) {
      if (ctx.ownHost(t)) inline(t);
      else others = true;
    }
    if (others) push(lookups, 'mx');
  }
  for (const a of spf.ip4 ?? []) push(addresses, `ip4:${a}`);
  for (const a of spf.ip6 ?? []) push(addresses, `ip6:${a}`);
  for (const d of spf.include ?? []) push(lookups, `include:${d.replace(/\.$/, '')}`);
  return [...addresses, ...lookups];
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
  const terms = spfTerms(ctx);
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
      // Only at a host of ours with addresses: elsewhere the record would make a name exist that should not
      // (below a delegation, where a wildcard answers, or a name written without its trailing dot).
      if (!ctx.ownHost(t.name) || t.name.length === ctx.origin.length) continue;
      ctx.addTxt(t.name, 'v=spf1 a -all', ['mail', 'spf'], 'mail.spf.helo');
    }
  }
}
