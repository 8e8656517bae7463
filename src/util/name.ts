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

/** One octet lower-cased as DNS compares names: A-Z only (RFC 4343 §3), every other octet as it is. */
export function foldOctet(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

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
    out += String.fromCharCode(foldOctet(c));
  }
  return out;
}

export function lowerName(name: Name): string[] {
  return name.map(lowerLabel);
}

/** `name` itself when it is lower case already (most are), else a lower-cased copy: for reading, never for changing. */
export function lowered(name: Name): Name {
  for (const l of name) if (lowerLabel(l) !== l) return lowerName(name);
  return name;
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

/** True when `text` ends in a '.' that is not escaped (`a\.` is relative, `a\\.` absolute; RFC 1035 §5.1). */
export function isAbsolute(text: string): boolean {
  if (!text.endsWith('.')) return false;
  let slashes = 0;
  for (let i = text.length - 2; i >= 0 && text[i] === '\\'; i--) slashes++;
  return slashes % 2 === 0;
}

/** How names are written, for the hint of every finding about a name. */
export const NAME_HINT = 'a name is labels of at most 63 octets joined by dots (mail, mail.example.com.); a trailing dot makes it absolute, without one it is relative to the zone';

/**
 * Parses a presentation-format name (RFC 1035 §5.1: `\.`, `\X` and `\DDD`
 * escapes). A name ending in an unescaped '.' is absolute; otherwise `origin`
 * is appended. '@' is the origin itself. A label written with non-ASCII
 * letters is an internationalized label and becomes its A-label (RFC 5891
 * §4). Throws only NameError.
 */
export function parseName(text: string, origin?: Name): string[] {
  if (text === '@') {
    if (!origin) throw new NameError('"@" used where no origin is known');
    return [...origin];
  }
  if (text === '.') return [];
  const labels: string[] = [];
  // One label at a time: its octets (escapes decoded), its text as written,
  // and whether it holds non-ASCII letters or escapes (for IDNA, below).
  let cur = '';
  let raw = '';
  let wide = false;
  let escaped = false;
  let absolute = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\') {
      escaped = true;
      if (/^[0-9]/.test(text.slice(i + 1, i + 2))) {
        const d = text.slice(i + 1, i + 4);
        // RFC 1035 §5.1: \DDD is exactly three digits; \X is a character that is not a digit.
        if (!/^[0-9]{3}$/.test(d)) throw new NameError(`escape \\${d} in "${text}": \\DDD needs three digits`);
        const v = Number(d);
        if (v > 255) throw new NameError(`escape \\${d} is above 255`);
        cur += String.fromCharCode(v);
        raw += text.slice(i, i + 4);
        i += 3;
      } else if (i + 1 < text.length) {
        cur += text[i + 1];
        raw += text.slice(i, i + 2);
        i += 1;
      } else {
        throw new NameError('name ends in a lone backslash');
      }
    } else if (ch === '.') {
      if (raw.length === 0) throw new NameError(`empty label in "${text}" (two dots in a row, or a leading dot)`);
      labels.push(wide ? idnaLabel(raw, escaped) : cur);
      cur = raw = '';
      wide = escaped = false;
      if (i === text.length - 1) absolute = true;
    } else {
      if (ch.charCodeAt(0) > 0x7f) wide = true;
      cur += ch;
      raw += ch;
    }
  }
  if (raw.length > 0) labels.push(wide ? idnaLabel(raw, escaped) : cur);
  if (!absolute) {
    if (!origin) throw new NameError(`"${text}" is relative and no origin is known: end it with a dot`);
    labels.push(...origin);
  }
  const err = nameLimitError(labels);
  if (err) throw new NameError(err);
  return labels;
}

/** A zone's name as zone: and from: hold it: absolute, with or without its trailing dot. */
export function parseZoneName(text: string): string[] {
  if (text === '@') throw new NameError('"@" stands for a zone\'s own name: write the name');
  return parseName(text, []);
}

function idnaLabel(raw: string, escaped: boolean): string {
  // An escape means octets, IDNA means letters: the two do not mix in one label.
  if (escaped) throw new NameError(`"${raw}" mixes non-ASCII letters with \\ escapes: write an internationalized label in letters only`);
  return toAscii(raw);
}

/** Characters UTS #46 maps to a full stop: to IDNA they separate labels (RFC 3490 §3.1). */
const IDNA_DOTS = /[\u3002\uff0e\uff61]/u;
/** ASCII other than letters, digits and hyphen (RFC 5890 §2.3.1: LDH). */
const NOT_LDH = /[\x00-\x2c\x2e-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]/;
const HOST_SUFFIX = '.invalid';

/**
 * One internationalized label (a U-label, RFC 5890 §2.3.2.1) to its A-label,
 * by the UTS #46 processing the WHATWG URL host parser applies. That parser
 * also splits a host at '/', '?', '#', '@', percent-decodes, and maps some
 * characters to a dot, so anything it would read as more or other than one
 * label is refused here, not silently turned into another name. Throws only
 * NameError.
 */
export function toAscii(label: string): string {
  const bad = NOT_LDH.exec(label);
  if (bad) {
    const c = bad[0]!;
    const shown = c.charCodeAt(0) <= 0x20 || c.charCodeAt(0) === 0x7f ? `\\${String(c.charCodeAt(0)).padStart(3, '0')}` : c;
    throw new NameError(`"${label}": an internationalized label holds letters, digits and hyphens (RFC 5890 §2.3.1), not "${shown}"`);
  }
  const dot = IDNA_DOTS.exec(label);
  if (dot) throw new NameError(`"${label}": U+${dot[0]!.codePointAt(0)!.toString(16).toUpperCase()} is a dot to IDNA (UTS #46); write "." between labels`);
  let host: string;
  try {
    host = new URL(`http://${label}${HOST_SUFFIX}/`).hostname;
  } catch {
    throw new NameError(`"${label}" is not a valid internationalized label (IDNA, RFC 5891)`);
  }
  const a = host.endsWith(HOST_SUFFIX) ? host.slice(0, -HOST_SUFFIX.length) : '';
  // Label for label: the conversion must give exactly one LDH label back.
  if (!/^[a-z0-9-]+$/.test(a)) throw new NameError(`"${label}" is not a valid internationalized label (IDNA, RFC 5891): it converts to "${a}"`);
  return a;
}

/** RFC 1035 §5.1: an octet written with a backslash before it (the specials) or as \DDD (outside printable ASCII); 0 for one written as it is. */
function escapeKind(c: number): 'special' | 'decimal' | 0 {
  if (c <= 0x20 || c >= 0x7f) return 'decimal';
  return c === 0x2e || c === 0x5c || c === 0x22 || c === 0x28 || c === 0x29 || c === 0x3b || c === 0x40 || c === 0x24 ? 'special' : 0;
}

/** One label in presentation format, escaping what RFC 1035 §5.1 requires; a label with nothing to escape (most) is returned as it is. */
export function labelToText(label: string): string {
  let i = 0;
  while (i < label.length && !escapeKind(label.charCodeAt(i))) i++;
  if (i === label.length) return label;
  let out = label.slice(0, i);
  for (; i < label.length; i++) {
    const c = label.charCodeAt(i);
    const kind = escapeKind(c);
    out += kind === 'special' ? '\\' + label[i] : kind === 'decimal' ? '\\' + String(c).padStart(3, '0') : label[i];
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
  if (name.length === 0) return '.';
  let out = '';
  for (const l of name) out += labelToText(lowerLabel(l)) + '.';
  return out;
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
