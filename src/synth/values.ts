/**
 * A YAML record value → presentation tokens for the RDATA table. Strings are
 * presentation format, except TXT/SPF where a string is the literal text
 * (split between UTF-8 characters into character-strings of at most 255
 * octets, RFC 7208 §3.3) and a list of
 * strings is one record of several character-strings. The octoDNS object
 * shapes are accepted for MX, SRV, CAA and TLSA.
 */
import { TYPE } from '../wire/constants.js';
import { charStringToText, tokenize, utf8Cut } from '../wire/text.js';

/**
 * The literal text as character-strings of at most 255 octets. RFC 7208 §3.3
 * (and RFC 6376 §3.6.2.2 for DKIM) join the strings back without separators,
 * so where the text is cut does not change what is published; cutting only
 * between UTF-8 characters keeps each string valid UTF-8 on its own, for
 * tools that decode the strings one by one.
 */
export function txtTokens(text: string): string[] {
  // A JS string always encodes to valid UTF-8 (lone surrogates become U+FFFD).
  const octets = Buffer.from(text, 'utf8');
  if (octets.length === 0) return ['""'];
  const out: string[] = [];
  for (let i = 0; i < octets.length;) {
    const end = utf8Cut(octets, i);
    out.push(charStringToText(octets.subarray(i, end)));
    i = end;
  }
  return out;
}

type Obj = Record<string, unknown>;

function field(o: Obj, ...names: string[]): string {
  for (const n of names) if (o[n] !== undefined) return String(o[n]);
  throw new Error(`missing "${names[0]}"`);
}

export function valueTokens(type: number, value: unknown): string[] {
  if (type === TYPE.TXT || type === TYPE.SPF) {
    // RFC 3597 form for octets that are not text (what `mailns import` writes for them).
    if (typeof value === 'string' && /^\\# [0-9]+( |$)/.test(value)) return tokenize(value);
    if (typeof value === 'string') return txtTokens(value);
    if (Array.isArray(value)) return value.map((s) => charStringToText(Buffer.from(String(s), 'utf8')));
    throw new Error('a TXT value is a string, or a list of strings for one record of several strings');
  }
  if (typeof value === 'string') return tokenize(value);
  if (typeof value === 'number') return [String(value)];
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Obj;
    switch (type) {
      case TYPE.MX: return [field(o, 'preference', 'priority'), field(o, 'exchange', 'value', 'host')];
      case TYPE.SRV: return [field(o, 'priority'), field(o, 'weight'), field(o, 'port'), field(o, 'target')];
      case TYPE.CAA: return [field(o, 'flags'), field(o, 'tag'), charStringToText(Buffer.from(field(o, 'value'), 'utf8'))];
      case TYPE.TLSA: return [field(o, 'certificate_usage', 'usage'), field(o, 'selector'), field(o, 'matching_type', 'matching'), field(o, 'certificate_association_data', 'data')];
    }
    throw new Error('an object value is only understood for MX, SRV, CAA and TLSA; write the RDATA as a string');
  }
  throw new Error('write the value as a string');
}
