/**
 * CAA (RFC 8659, with RFC 8657 account and validation-method parameters and
 * RFC 9495 issuemail) and TLSA for DANE (RFC 6698 §2, RFC 7672 for SMTP),
 * computed from a certificate or public key when asked.
 */
import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { type CaaIssuer, list, type TlsaField } from '../config/intent.js';
import { TYPE } from '../wire/constants.js';
import { charStringToText } from '../wire/text.js';
import type { IntentContext } from './mail/context.js';

function caaValue(issuer: CaaIssuer): string {
  if (typeof issuer === 'string') return issuer;
  const params: string[] = [];
  if (issuer.accounturi) params.push(`accounturi=${issuer.accounturi}`);
  const methods = list(issuer.validationmethods);
  if (methods.length) params.push(`validationmethods=${methods.join(',')}`);
  return [issuer.ca, ...params].join('; ');
}

export function synthesizeCaa(ctx: IntentContext): void {
  const caa = ctx.model.caa;
  if (!caa) return;
  const flags = caa.critical ? '128' : '0';
  const rdatas: string[][] = [];
  for (const tag of ['issue', 'issuewild', 'issuemail'] as const) {
    const v = caa[tag];
    if (v === undefined) continue;
    // RFC 8659 §4.2: an empty issuer-domain-name (";") forbids issuance.
    const values = v === 'none' ? [';'] : (Array.isArray(v) ? v : [v]).map(caaValue);
    for (const value of values) rdatas.push([flags, tag, charStringToText(Buffer.from(value, 'utf8'))]);
  }
  for (const uri of list(caa.iodef)) {
    const u = /^[^:@\s]+@[^@\s]+$/.test(uri) ? `mailto:${uri}` : uri;
    if (!/^(mailto:|https?:)/i.test(u)) ctx.error(['caa', 'iodef'], 'caa', `iodef "${uri}" must be a mailto: or http(s): URL (RFC 8659 §4.4)`);
    else rdatas.push([flags, 'iodef', charStringToText(Buffer.from(u, 'utf8'))]);
  }
  ctx.add(ctx.origin, TYPE.CAA, rdatas, ['caa'], 'caa');
}

const USAGE: Record<string, number> = { 'pkix-ta': 0, 'pkix-ee': 1, 'dane-ta': 2, 'dane-ee': 3 };
const SELECTOR: Record<string, number> = { cert: 0, spki: 1 };
const MATCHING: Record<string, number> = { full: 0, sha256: 1, sha512: 2 };
const DIGEST_LEN: Record<number, number> = { 1: 32, 2: 64 };

function field(v: TlsaField | undefined, names: Record<string, number>, dflt: number): number {
  if (v === undefined) return dflt;
  return typeof v === 'number' ? v : names[v]!;
}

export function synthesizeTlsa(ctx: IntentContext): void {
  for (const [hostRef, t] of Object.entries(ctx.model.tlsa ?? {})) {
    const path = ['tlsa', hostRef];
    const host = ctx.host(hostRef, path);
    if (!host) continue;
    const records: string[][] = [];
    // RFC 7672 §3.1: DANE-EE(3) SPKI(1) SHA-256(1) is the recommended form for SMTP.
    const usage = field(t.usage, USAGE, 3), selector = field(t.selector, SELECTOR, 1), matching = field(t.matching, MATCHING, 1);
    for (const [i, r] of (t.records ?? []).entries()) {
      const m = field(r.matching, MATCHING, matching);
      const hex = r.data.replace(/\s+/g, '');
      const want = DIGEST_LEN[m];
      if (!/^([0-9a-fA-F]{2})+$/.test(hex) || (want !== undefined && hex.length !== want * 2)) {
        ctx.error([...path, 'records', i, 'data'], 'tlsa', `TLSA data must be ${want ? `${want * 2} hex digits for matching type ${m}` : 'hex'} (RFC 6698 §2.1.3), got ${hex.length} characters`);
        continue;
      }
      records.push([String(field(r.usage, USAGE, usage)), String(field(r.selector, SELECTOR, selector)), String(m), hex.toUpperCase()]);
    }
    for (const kind of ['cert_file', 'key_file'] as const) {
      const file = t[kind];
      if (file === undefined) continue;
      const text = ctx.model.files.get(file);
      if (text === undefined || text instanceof Error) {
        ctx.error([...path, kind], 'tlsa', `cannot read ${file}: ${text instanceof Error ? text.message : 'not read'}`);
        continue;
      }
      try {
        let data: Buffer;
        if (kind === 'cert_file') {
          const cert = new X509Certificate(text);
          data = selector === 0 ? cert.raw : cert.publicKey.export({ type: 'spki', format: 'der' });
        } else {
          if (selector === 0) throw new Error('a key file gives only the SubjectPublicKeyInfo: use selector spki');
          if (/PRIVATE KEY/.test(text)) throw new Error('this is a private key; give the certificate or the public key');
          data = createPublicKey(text).export({ type: 'spki', format: 'der' });
        }
        const digest = matching === 0 ? data : createHash(matching === 2 ? 'sha512' : 'sha256').update(data).digest();
        records.push([String(usage), String(selector), String(matching), digest.toString('hex').toUpperCase()]);
      } catch (e) {
        ctx.error([...path, kind], 'tlsa', `${file}: ${(e as Error).message}`);
      }
    }
    const proto = t.protocol ?? 'tcp';
    for (const port of t.ports ?? [25]) {
      ctx.add([`_${port}`, `_${proto}`, ...host], TYPE.TLSA, records, path, 'tlsa');
    }
  }
}
