/**
 * DMARC policy record at `_dmarc` (RFC 7489 §6.3, with the DMARCbis tags np,
 * psd and t), and the report authorization records (RFC 7489 §7.1) that a
 * report destination in another zone we serve must publish.
 */
import { list } from '../../config/intent.js';
import { isSubdomain, parseName, lowerName } from '../../util/name.js';
import type { IntentContext } from './context.js';

const URI = /^[a-z][a-z0-9+.-]*:[^\s,;!]+(![0-9]+[kmgt]?)?$/i;

export function synthesizeDmarc(ctx: IntentContext, noMail: boolean): void {
  const d = ctx.model.mail?.dmarc;
  if (!d) {
    if (noMail) ctx.addTxt(ctx.child('_dmarc'), 'v=DMARC1; p=reject', ['mail', 'mx'], 'mail.mx');
    return;
  }
  const base = ['mail', 'dmarc'];
  const uris = (tag: 'rua' | 'ruf'): string[] => list(d[tag]).map((u, i) => {
    const path = Array.isArray(d[tag]) ? [...base, tag, i] : [...base, tag];
    let uri = u.trim();
    if (/^[^:@\s]+@[^@\s]+$/.test(uri)) uri = `mailto:${uri}`; // a bare address means mailto:
    if (!URI.test(uri)) {
      ctx.error(path, 'dmarc-uri', `"${u}" is not a URI with a scheme (RFC 7489 §6.2)`, 'write mailto:dmarc@example.com or https://...');
      return '';
    }
    // RFC 7489 §6.4: a comma or "!" inside a URI must be percent-encoded.
    const m = /^mailto:([^!]+)(!.*)?$/i.exec(uri);
    if (m) authorize(ctx, m[1]!, path);
    return uri;
  }).filter(Boolean);
  const tags: string[] = ['v=DMARC1', `p=${d.p}`];
  if (d.sp) tags.push(`sp=${d.sp}`);
  if (d.np) tags.push(`np=${d.np}`);
  if (d.psd) tags.push(`psd=${d.psd}`);
  if (d.t) tags.push(`t=${d.t}`);
  if (d.adkim) tags.push(`adkim=${d.adkim}`);
  if (d.aspf) tags.push(`aspf=${d.aspf}`);
  if (d.pct !== undefined) tags.push(`pct=${d.pct}`);
  if (d.fo) tags.push(`fo=${d.fo}`);
  if (d.rf) tags.push(`rf=${d.rf}`);
  if (d.ri !== undefined) tags.push(`ri=${d.ri}`);
  const rua = uris('rua');
  const ruf = uris('ruf');
  if (rua.length) tags.push(`rua=${rua.join(',')}`);
  if (ruf.length) tags.push(`ruf=${ruf.join(',')}`);
  // p=none is legal but weak: the lint (dmarc-p-none) says so, for written records too.
  ctx.addTxt(ctx.child('_dmarc'), tags.join('; '), base, 'mail.dmarc');
}

/**
 * RFC 7489 §7.1: reports may go to another domain only if that domain
 * publishes `<our domain>._report._dmarc.<its domain>` TXT "v=DMARC1".
 */
function authorize(ctx: IntentContext, address: string, path: (string | number)[]): void {
  const at = address.lastIndexOf('@');
  if (at < 0) { ctx.error(path, 'dmarc-uri', `mailto:${address} has no domain`); return; }
  let dest;
  try { dest = lowerName(parseName(address.slice(at + 1).replace(/\.?$/, '.'))); } catch (e) { ctx.error(path, 'dmarc-uri', (e as Error).message); return; }
  if (isSubdomain(dest, ctx.origin)) return; // our own domain needs no authorization
  ctx.addForeignTxt([...ctx.origin, '_report', '_dmarc', ...dest], 'v=DMARC1', path, 'mail.dmarc.report-auth');
}
