/**
 * Domain names as the rest of the code sees them: an array of labels, left to
 * right, root label omitted. Each label is a "binary string" (latin1: one char
 * per octet) so any octet survives, Map keys stay cheap, and lower-casing only
 * touches A-Z (RFC 4343 §3: DNS case-insensitivity is ASCII only).
 */
export type Name = readonly string[];

export const MAX_NAME_OCTETS = 255; // RFC 1035 §2.3.4, wire length incl. root
export const MAX_LABEL_OCTETS = 63; // RFC 1035 §2.3.4

export class NameError extends Error {}

/** ASCII-only lower-casing (RFC 4343 §3); other octets are left alone. */
export function lowerLabel(label: string): string {
  let needs = false;
  for (let i = 0; i < label.length; i++) {
    const c = label.charCodeAt(i);
    if (c >= 65 && c <= 90) { needs = true; break; }
  }
  if (!needs) return label;
  let out = '';
  for (let i = 0; i < label.length; i++) {
    const c = label.charCodeAt(i);
    out += String.fromCharCode(c >= 65 && c <= 90 ? c + 32 : c);
  }
  return out;
}

export function lowerName(name: Name): string[] {
  return name.map(lowerLabel);
}

/** Octets the name takes on the wire, root label included. */
export function wireLength(name: Name): number {
  let n = 1;
  for (const l of name) n += l.length + 1;
  return n;
}

/** Checks RFC 1035 §2.3.4 limits; returns a message or undefined. */
export function nameLimitError(name: Name): string | undefined {
  for (const l of name) {
    if (l.length === 0) return 'empty label (two dots in a row)';
    if (l.length > MAX_LABEL_OCTETS) return `label "${labelToText(l)}" is ${l.length} octets, the limit is 63 (RFC 1035 §2.3.4)`;
  }
  const len = wireLength(name);
  if (len > MAX_NAME_OCTETS) return `name is ${len} octets on the wire, the limit is 255 (RFC 1035 §2.3.4)`;
  return undefined;
}

/**
 * Parses a presentation-format name (RFC 1035 §5.1: `\.` and `\DDD` escapes).
 * A name ending in '.' is absolute; otherwise `origin` is appended. '@' is the
 * origin itself. Non-ASCII text is turned into its IDNA A-label form.
 */
export function parseName(text: string, origin?: Name): string[] {
  if (text === '@') {
    if (!origin) throw new NameError('"@" used where no origin is known');
    return [...origin];
  }
  if (text === '.') return [];
  let src = text;
  if (/[^\x00-\x7f]/.test(src)) src = toAscii(src);
  const labels: string[] = [];
  let cur = '';
  let absolute = false;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (ch === '\\') {
      const d = src.slice(i + 1, i + 4);
      if (/^[0-9]{3}$/.test(d)) {
        const v = Number(d);
        if (v > 255) throw new NameError(`escape \\${d} is above 255`);
        cur += String.fromCharCode(v);
        i += 3;
      } else if (i + 1 < src.length) {
        cur += src[i + 1];
        i += 1;
      } else {
        throw new NameError('name ends in a lone backslash');
      }
    } else if (ch === '.') {
      if (cur.length === 0) throw new NameError(`empty label in "${text}" (two dots in a row, or a leading dot)`);
      labels.push(cur);
      cur = '';
      if (i === src.length - 1) absolute = true;
    } else {
      cur += ch;
    }
  }
  if (cur.length > 0) labels.push(cur);
  if (!absolute) {
    if (!origin) throw new NameError(`"${text}" is relative and no origin is known: end it with a dot`);
    labels.push(...origin);
  }
  const err = nameLimitError(labels);
  if (err) throw new NameError(err);
  return labels;
}

function toAscii(text: string): string {
  const trailing = text.endsWith('.');
  const labels = (trailing ? text.slice(0, -1) : text).split('.');
  const out = labels.map((l) => {
    if (!/[^\x00-\x7f]/.test(l)) return l;
    const a = new URL(`http://${l}.invalid`).hostname.split('.')[0];
    if (!a) throw new NameError(`"${l}" is not a valid internationalized label`);
    return a;
  });
  return out.join('.') + (trailing ? '.' : '');
}

/** One label in presentation format, escaping what RFC 1035 §5.1 requires. */
export function labelToText(label: string): string {
  let out = '';
  for (let i = 0; i < label.length; i++) {
    const c = label.charCodeAt(i);
    if (c === 0x2e || c === 0x5c || c === 0x22 || c === 0x28 || c === 0x29 || c === 0x3b || c === 0x40 || c === 0x24) {
      out += '\\' + label[i];
    } else if (c <= 0x20 || c >= 0x7f) {
      out += '\\' + String(c).padStart(3, '0');
    } else {
      out += label[i];
    }
  }
  return out;
}

/** Absolute presentation form, trailing dot included. */
export function nameToText(name: Name): string {
  if (name.length === 0) return '.';
  return name.map(labelToText).join('.') + '.';
}

export function nameEquals(a: Name, b: Name): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (lowerLabel(a[i]!) !== lowerLabel(b[i]!)) return false;
  return true;
}

/** True when `name` is `zone` or below it. */
export function isSubdomain(name: Name, zone: Name): boolean {
  if (name.length < zone.length) return false;
  const off = name.length - zone.length;
  for (let i = 0; i < zone.length; i++) {
    if (lowerLabel(name[off + i]!) !== lowerLabel(zone[i]!)) return false;
  }
  return true;
}

/** Key for maps: the lower-cased name in presentation form. */
export function nameKey(name: Name): string {
  return nameToText(lowerName(name));
}

/** Uncompressed wire form (RFC 1035 §3.1). */
export function nameToWire(name: Name): Buffer {
  const buf = Buffer.allocUnsafe(wireLength(name));
  let o = 0;
  for (const l of name) {
    buf[o++] = l.length;
    buf.write(l, o, 'latin1');
    o += l.length;
  }
  buf[o] = 0;
  return buf;
}
