/**
 * DKIM key records (RFC 6376 §3.6.1) at `<selector>._domainkey.<domain>`,
 * whether `mail.dkim` or `records:` wrote them: the tag-list syntax (§3.2),
 * a key p= that decodes and matches k=, RSA sizes (RFC 8301 §3.2) and the
 * raw 32-octet Ed25519 form (RFC 8463 §4.2). An empty p= revokes the
 * selector and is fine.
 */
import { parseDkimKey } from '../synth/mail/dkim.js';
import { nameToText } from '../util/name.js';
import { TYPE } from '../wire/constants.js';
import type { RRset } from '../wire/rrset.js';
import { type LintContext, type LintModule, type RuleInfo, txtText } from './rule.js';

const RULES: RuleInfo[] = [
  { id: 'dkim-syntax', severity: 'error', rfc: 'RFC 6376 §3.6.1', summary: 'the key record is not a tag-list (RFC 6376 §3.2), has no p=, or has v= other than DKIM1 or not first' },
  { id: 'dkim-key', severity: 'error', rfc: 'RFC 6376 §3.6.1', summary: 'p= does not decode to a public key, or k= names a key type verifiers do not know' },
  { id: 'dkim-rsa-weak', severity: 'error', rfc: 'RFC 8301 §3.2', summary: 'an RSA key under 1024 bits: verifiers must not use it' },
  { id: 'dkim-rsa-short', severity: 'warning', rfc: 'RFC 8301 §3.2', summary: 'an RSA key under 2048 bits (RFC 8301 recommends 2048)' },
  { id: 'dkim-ed25519-spki', severity: 'warning', rfc: 'RFC 8463 §4.2', summary: 'k=ed25519 with p= in SubjectPublicKeyInfo form instead of the raw 32 octets' },
  { id: 'dkim-ed25519-size', severity: 'error', rfc: 'RFC 8463 §4.2', summary: 'k=ed25519 with a p= that is not 32 octets' },
  { id: 'dkim-k-mismatch', severity: 'error', rfc: 'RFC 6376 §3.6.1', summary: 'k= says rsa (or is missing, which means rsa) but the key is Ed25519, or the reverse' },
  { id: 'dkim-testing', severity: 'warning', rfc: 'RFC 6376 §3.6.1', summary: 't=y: verifiers treat failing signatures as if the mail were unsigned' },
];

/** RFC 8410: the DER SubjectPublicKeyInfo header of an Ed25519 key, before its 32 octets. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** RFC 6376 §3.2: tag-name = ALPHA *(ALPHA / DIGIT / "_"); a value is VALCHARs with folding whitespace between them. */
const TAG_SPEC = /^([A-Za-z][A-Za-z0-9_]*)[ \t\r\n]*=[ \t\r\n]*(.*)$/s;
const TAG_VALUE = /^([\x21-\x3a\x3c-\x7e]+([ \t\r\n]+[\x21-\x3a\x3c-\x7e]+)*)?$/;

export const dkimRules: LintModule = {
  rules: RULES,
  run(ctx) {
    for (const rs of ctx.records) {
      // <selector>._domainkey.<domain>: a selector of at least one label (a wildcard too);
      // _adsp._domainkey is the historic ADSP record (RFC 5617), not a key.
      const at = rs.owner.indexOf('_domainkey');
      if (rs.type === TYPE.TXT && at > 0 && !(at === 1 && rs.owner[0] === '_adsp')) rs.rdatas.forEach((rd, i) => checkRecord(ctx, rs, i, txtText(rd)));
    }
  },
};

type TagList = { tags: Map<string, string>; order: string[] } | { error: string };

/** RFC 6376 §3.2 tag-list; a trailing ";" is allowed, and empty specs are skipped as verifiers do. */
function parseTagList(text: string): TagList {
  const tags = new Map<string, string>();
  const order: string[] = [];
  for (const seg of text.split(';')) {
    const s = seg.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    if (!s) continue;
    const m = TAG_SPEC.exec(s);
    if (!m) return { error: `"${short(s)}" is not a tag=value pair` };
    const [, name, value] = m as unknown as [string, string, string];
    if (!TAG_VALUE.test(value)) return { error: `the value of ${name}= has characters a tag value cannot hold (only printable ASCII other than ";")` };
    if (tags.has(name)) return { error: `tag ${name}= appears twice, which makes the whole record invalid` };
    tags.set(name, value);
    order.push(name);
  }
  return { tags, order };
}

function checkRecord(ctx: LintContext, rs: RRset, i: number, text: string): void {
  const where = { rrset: rs, index: i };
  const sel = `selector ${nameToText(rs.owner)}`;
  const list = parseTagList(text);
  if ('error' in list) {
    ctx.report('dkim-syntax', where, `${sel}: ${list.error}`, 'write "v=DKIM1; k=rsa; p=<base64>" (tag=value pairs separated by ";")');
    return;
  }
  const { tags, order } = list;
  const v = tags.get('v');
  if (v !== undefined && (order[0] !== 'v' || v !== 'DKIM1')) {
    ctx.report('dkim-syntax', where, `${sel}: ${v !== 'DKIM1' ? `v=${v} is not DKIM1, so verifiers discard the record` : 'v=DKIM1 must be the first tag'}`,
      'start the record with v=DKIM1, or leave v= out');
    return;
  }
  const p = tags.get('p');
  if (p === undefined) {
    ctx.report('dkim-syntax', where, `${sel}: no p= tag (required; an empty p= revokes the key)`, 'add p=<base64 public key>');
    return;
  }
  const b64 = p.replace(/[ \t\r\n]+/g, '');
  if (b64 === '') return; // revoked (RFC 6376 §3.6.1)
  checkKey(ctx, where, sel, tags.get('k') ?? 'rsa', tags.has('k'), b64);
  const flags = (tags.get('t') ?? '').split(':').map((f) => f.trim());
  if (flags.includes('y')) {
    ctx.report('dkim-testing', where, `${sel}: t=y marks the domain as testing DKIM: verifiers treat failing signatures as if the mail were unsigned`,
      'remove t=y (and testing: true) once signing works');
  }
}

function checkKey(ctx: LintContext, where: { rrset: RRset; index: number }, sel: string, k: string, kGiven: boolean, b64: string): void {
  if (k !== 'rsa' && k !== 'ed25519') {
    ctx.report('dkim-key', where, `${sel}: k=${k} is not a key type verifiers know; they ignore the record`, 'k=rsa or k=ed25519');
    return;
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) {
    ctx.report('dkim-key', where, `${sel}: p= is not base64`, 'paste the public key without PEM header lines (mailns dkim keygen prints the record)');
    return;
  }
  const der = Buffer.from(b64, 'base64');
  const parsed = parseDkimKey(b64);
  const isEd = 'error' in parsed ? false : parsed.k === 'ed25519';
  if (k === 'ed25519') {
    if (der.length === 32) return;
    if (der.length === ED25519_SPKI_PREFIX.length + 32 && der.subarray(0, ED25519_SPKI_PREFIX.length).equals(ED25519_SPKI_PREFIX)) {
      ctx.report('dkim-ed25519-spki', where, `${sel}: p= is the Ed25519 key wrapped in SubjectPublicKeyInfo (44 octets); RFC 8463 publishes the raw 32 octets, and verifiers that follow it fail`,
        `p=${der.subarray(ED25519_SPKI_PREFIX.length).toString('base64')}`);
      return;
    }
    if (!('error' in parsed) && parsed.k === 'rsa') {
      ctx.report('dkim-k-mismatch', where, `${sel}: k=ed25519, but p= is an RSA key${parsed.bits ? ` of ${parsed.bits} bits` : ''}`, 'write k=rsa');
      return;
    }
    ctx.report('dkim-ed25519-size', where, `${sel}: p= is ${der.length} octets; an Ed25519 key is 32`, 'publish the raw 32-octet public key (mailns dkim keygen --zone ... --selector ... --type ed25519 prints it)');
    return;
  }
  if ('error' in parsed) {
    ctx.report('dkim-key', where, `${sel}: p= does not hold a usable key: ${parsed.error}`, parsed.hint ?? 'publish the DER SubjectPublicKeyInfo of the key in base64 (mailns dkim keygen prints the record)');
    return;
  }
  if (isEd) {
    ctx.report('dkim-k-mismatch', where, `${sel}: ${kGiven ? 'k=rsa' : 'no k= (which means rsa)'}, but p= is an Ed25519 key`, 'write k=ed25519');
    return;
  }
  const bits = parsed.bits ?? 0;
  if (bits < 1024) {
    ctx.report('dkim-rsa-weak', where, `${sel}: RSA key of ${bits} bits; verifiers must not accept signatures from keys under 1024 bits`, 'a new 2048-bit key: mailns dkim keygen --zone ... --selector ... --bits 2048');
  } else if (bits < 2048) {
    ctx.report('dkim-rsa-short', where, `${sel}: RSA key of ${bits} bits; RFC 8301 recommends 2048`, 'a new 2048-bit key under a new selector (mailns dkim keygen --bits 2048), then retire this one');
  }
}

function short(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
