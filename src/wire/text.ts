/** Presentation-format helpers shared by the zone-file reader and the YAML records. */

/**
 * Splits RDATA text into tokens: whitespace separates, "quoted strings" stay
 * one token with their quotes (so callers know they were quoted), backslash
 * escapes are kept as written (RFC 1035 §5.1).
 */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    // The same test as the token loop below: any whitespace separates (a no-break
    // space pasted from a web page included), so every turn of this loop moves on.
    if (/\s/.test(ch)) { i++; continue; }
    let tok = '';
    if (ch === '"') {
      tok = '"';
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) { tok += text[i]! + text[i + 1]!; i += 2; continue; }
        tok += text[i++];
      }
      if (i >= text.length) throw new Error('unterminated quoted string');
      tok += '"';
      i++;
    } else {
      while (i < text.length && !/\s/.test(text[i]!)) {
        if (text[i] === '\\' && i + 1 < text.length) { tok += text[i]! + text[i + 1]!; i += 2; continue; }
        tok += text[i++];
      }
    }
    out.push(tok);
  }
  return out;
}

/**
 * Turns a (possibly quoted) token into the octets of a <character-string>
 * (RFC 1035 §3.3), resolving \DDD and \X escapes. Non-ASCII text is UTF-8.
 */
export function charStringOctets(token: string): Buffer {
  let s = token;
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) s = s.slice(1, -1);
  const bytes: number[] = [];
  const utf8 = Buffer.from(s, 'utf8');
  for (let i = 0; i < utf8.length; i++) {
    const c = utf8[i]!;
    if (c === 0x5c && i + 1 < utf8.length) {
      const d = utf8.subarray(i + 1, i + 4).toString('latin1');
      if (/^[0-9]{3}$/.test(d) && Number(d) <= 255) { bytes.push(Number(d)); i += 3; }
      else { bytes.push(utf8[i + 1]!); i += 1; }
    } else {
      bytes.push(c);
    }
  }
  return Buffer.from(bytes);
}

/** A <character-string> in presentation form, always quoted. */
export function charStringToText(octets: Uint8Array): string {
  let out = '"';
  for (const c of octets) {
    if (c === 0x22 || c === 0x5c) out += '\\' + String.fromCharCode(c);
    else if (c < 0x20 || c >= 0x7f) out += '\\' + String(c).padStart(3, '0');
    else out += String.fromCharCode(c);
  }
  return out + '"';
}

/** RFC 1035 §3.3: a <character-string> is a length octet and at most 255 octets. */
export const MAX_STRING_OCTETS = 255;

/**
 * Where to cut `octets` (UTF-8) at most `max` octets after `from` without
 * splitting a character: RFC 3629 §3, octets 10xxxxxx continue a character
 * and a character has at most three of them, so back up to its first octet.
 */
export function utf8Cut(octets: Buffer, from: number, max = MAX_STRING_OCTETS): number {
  let end = Math.min(from + max, octets.length);
  for (let k = 0; k < 3 && end < octets.length && (octets[end]! & 0xc0) === 0x80; k++) end--;
  return end;
}
