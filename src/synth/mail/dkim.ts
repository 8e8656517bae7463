/**
 * DKIM key records (RFC 6376 §3.6.1): `v=DKIM1; k=...; p=...` at
 * `<selector>._domainkey`, from the public key itself. RSA keys are published
 * as DER SubjectPublicKeyInfo (RFC 6376 §3.6.1, RFC 8301); Ed25519 keys as the
 * raw 32 octets (RFC 8463 §4.2).
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { IntentContext } from './context.js';

export interface DkimKey {
  k: 'rsa' | 'ed25519';
  /** Base64 of what goes into p=. */
  p: string;
  bits?: number;
}

export type DkimKeyResult = DkimKey | { error: string; hint?: string };

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function fromKeyObject(key: KeyObject): DkimKeyResult {
  const der = key.export({ type: 'spki', format: 'der' });
  if (key.asymmetricKeyType === 'rsa') {
    return { k: 'rsa', p: der.toString('base64'), bits: key.asymmetricKeyDetails?.modulusLength };
  }
  if (key.asymmetricKeyType === 'ed25519') {
    return { k: 'ed25519', p: der.subarray(ED25519_SPKI_PREFIX.length).toString('base64') };
  }
  return { error: `a ${key.asymmetricKeyType ?? 'unknown'} key cannot sign DKIM`, hint: 'use an RSA (2048 bits) or Ed25519 key: mailns dkim keygen' };
}

/** Parses a public key given as PEM, DER SPKI in base64, or a raw Ed25519 key in base64. */
export function parseDkimKey(text: string): DkimKeyResult {
  const t = text.trim();
  if (t.includes('-----BEGIN')) {
    if (/PRIVATE KEY/.test(t)) {
      return { error: 'this is a private key; it belongs on the mail server, not in the zone', hint: 'point at the public key (mailns dkim keygen writes both halves)' };
    }
    try { return fromKeyObject(createPublicKey(t)); } catch (e) { return { error: `cannot read the PEM key: ${(e as Error).message}` }; }
  }
  const b64 = t.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+=*$/.test(b64)) return { error: 'the key is neither PEM nor base64' };
  const der = Buffer.from(b64, 'base64');
  if (der.length === 32) return { k: 'ed25519', p: der.toString('base64') };
  // A private key in DER would still yield its public half: refuse it, it must not sit in the zone.
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      createPrivateKey({ key: der, format: 'der', type });
      return { error: 'this is a private key; it belongs on the mail server, not in the zone', hint: 'give the public key (mailns dkim keygen writes both halves)' };
    } catch { /* not a private key in this form */ }
  }
  for (const type of ['spki', 'pkcs1'] as const) {
    try { return fromKeyObject(createPublicKey({ key: der, format: 'der', type })); } catch { /* try the next form */ }
  }
  return { error: `${der.length} octets of base64 that are not a public key (DER SubjectPublicKeyInfo or PKCS#1, or 32 octets of Ed25519)` };
}

/**
 * Text for the n= tag, whose value is a qp-section (RFC 6376 §3.6.1, imported
 * from RFC 2045 §6.7 by RFC 6376 §2.9), written with the stricter
 * dkim-safe-char set of DKIM-Quoted-Printable (RFC 6376 §2.11): only
 * %x21-3A / %x3C / %x3E-7E stay as they are; everything else, the UTF-8 octets
 * of non-ASCII text, controls, space, ";" (which would end the tag) and "="
 * included, becomes "=" and two uppercase hex digits. The result is both a
 * valid qp-section and a tag-value (RFC 6376 §3.2) with no whitespace in it.
 */
export function dkimQuotedPrintable(text: string): string {
  let out = '';
  for (const c of Buffer.from(text, 'utf8')) {
    const safe = (c >= 0x21 && c <= 0x3a) || c === 0x3c || (c >= 0x3e && c <= 0x7e);
    out += safe ? String.fromCharCode(c) : '=' + c.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

export function dkimRecordText(key: DkimKey, opts: { testing?: boolean; strict?: boolean; notes?: string } = {}): string {
  const flags = [opts.testing ? 'y' : '', opts.strict ? 's' : ''].filter(Boolean).join(':');
  return [
    'v=DKIM1',
    `k=${key.k}`,
    ...(flags ? [`t=${flags}`] : []),
    ...(opts.notes ? [`n=${dkimQuotedPrintable(opts.notes)}`] : []),
    `p=${key.p}`,
  ].join('; ');
}

export function synthesizeDkim(ctx: IntentContext, noMail: boolean): void {
  const dkim = ctx.model.mail?.dkim;
  for (const [selector, spec] of Object.entries(dkim ?? {})) {
    const path = ['mail', 'dkim', selector];
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(selector)) {
      ctx.error(path, 'dkim-selector', `selector "${selector}" must be letters, digits, "-" or "_" labels (RFC 6376 §3.1)`);
      continue;
    }
    let text: string | undefined = spec.key;
    const keyPath = spec.key_file !== undefined ? [...path, 'key_file'] : [...path, 'key'];
    if (spec.key_file !== undefined) {
      const f = ctx.model.files.get(spec.key_file);
      if (f instanceof Error || f === undefined) {
        ctx.error(keyPath, 'dkim-key', `cannot read ${spec.key_file}: ${f instanceof Error ? f.message : 'not read'}`, 'the path is relative to the zone file; mailns dkim keygen writes one');
        continue;
      }
      text = f;
    }
    const key = parseDkimKey(text ?? '');
    if ('error' in key) {
      ctx.error(keyPath, 'dkim-key', `selector ${selector}: ${key.error}`, key.hint);
      continue;
    }
    if (key.k === 'rsa' && key.bits !== undefined && key.bits < 1024) {
      // RFC 8301 §3.2: keys below 1024 bits must not be used for verification.
      ctx.error(keyPath, 'dkim-key', `selector ${selector}: RSA key of ${key.bits} bits; verifiers reject keys under 1024 bits (RFC 8301 §3.2)`, 'mailns dkim keygen --bits 2048');
      continue;
    }
    const labels = selector.split('.');
    ctx.addTxt(ctx.child(...labels, '_domainkey'), dkimRecordText(key, spec), path, 'mail.dkim');
  }
  if (noMail && !dkim) {
    // M3AAWG parked-domain practice: an empty key for every selector says no signature is valid.
    ctx.addTxt(ctx.child('*', '_domainkey'), 'v=DKIM1; p=', ['mail', 'mx'], 'mail.mx');
  }
}
