/**
 * BIND's `$GENERATE start-stop[/step] lhs [ttl] [class] type rhs`: the range
 * and the `$` templates of lhs and rhs, done the way BIND's master.c does them
 * (genname() and nibbles()), so that a file expands here to what named loads.
 * Part of ./zonefile.ts.
 */

export interface Range { start: number; stop: number; step: number }

const INT_MAX = 2 ** 31 - 1;

/** `start-stop` or `start-stop/step`, each 0..2^31-1, start <= stop, step >= 1. */
export function parseRange(text: string): Range | string {
  const m = /^([0-9]+)-([0-9]+)(?:\/([0-9]+))?$/.exec(text);
  if (!m) return `bad $GENERATE range "${text}": expected start-stop or start-stop/step`;
  const [start, stop, step] = [Number(m[1]), Number(m[2]), m[3] === undefined ? 1 : Number(m[3])];
  if (stop > INT_MAX || step > INT_MAX) return `bad $GENERATE range "${text}": numbers go up to ${INT_MAX}`;
  if (start > stop) return `bad $GENERATE range "${text}": start is after stop`;
  if (step < 1) return `bad $GENERATE range "${text}": the step is at least 1`;
  return { start, stop, step };
}

/** How many records a range makes. */
export function rangeCount(r: Range): number {
  return Math.floor((r.stop - r.start) / r.step) + 1;
}

/** `$` or `${offset,width,base}`: the iterator plus offset, in base d, o, x, X, n or N, zero-padded to width. */
interface Counter { offset: number; width: number; base: string }
export type Template = (string | Counter)[];

/**
 * Compiles a lhs or rhs: `$` is the iterator, `${offset[,width[,base]]}` the
 * iterator with modifiers, `$$` a literal `$`, and a backslash keeps the next
 * character as written (so `\$` stays an escaped `$` for the name or RDATA
 * parser). Returns an error message for a malformed modifier.
 */
export function compileTemplate(text: string): Template | string {
  const out: Template = [];
  let lit = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') { lit += text.slice(i, i + 2); i++; continue; }
    if (c !== '$') { lit += c; continue; }
    if (text[i + 1] === '$') { lit += '$'; i++; continue; }
    let counter: Counter = { offset: 0, width: 0, base: 'd' };
    if (text[i + 1] === '{') {
      const m = /^\{([+-]?[0-9]+)(?:\}|,([0-9]+)(?:\}|,([doxXnN])\}))/.exec(text.slice(i + 1));
      if (!m) return `bad $GENERATE modifier in "${text}": expected \${offset}, \${offset,width} or \${offset,width,base} with base d, o, x, X, n or N`;
      const width = m[2] === undefined ? 0 : Number(m[2]);
      if (Math.abs(Number(m[1])) > INT_MAX || width > 127) return `bad $GENERATE modifier "${m[0]}": offset or width out of range`;
      counter = { offset: Number(m[1]), width, base: m[3] ?? 'd' };
      i += m[0].length;
    }
    if (lit) { out.push(lit); lit = ''; }
    out.push(counter);
  }
  if (lit) out.push(lit);
  return out;
}

/**
 * BIND's nibbles(): the value as reversed hex digits, one per label; the
 * width counts the digits and the dots between them.
 */
function nibbles(value: number, width: number, upper: boolean): string {
  const digits = upper ? '0123456789ABCDEF' : '0123456789abcdef';
  let v = value >>> 0;
  let w = width;
  let out = '';
  do {
    out += digits[v & 0xf];
    v >>>= 4;
    if (w > 0) w--;
    if (w > 0 || v !== 0) {
      out += '.';
      if (w > 0) w--;
    }
  } while (v !== 0 || w > 0);
  return out;
}

/** printf("%0<width><base>") as BIND calls it: a signed int for d, its 32-bit pattern for o, x and X. */
function formatNumber(value: number, c: Counter): string {
  if (c.base === 'n' || c.base === 'N') return nibbles(value, c.width, c.base === 'N');
  if (c.base === 'd') {
    const digits = String(Math.abs(value));
    return value < 0 ? '-' + digits.padStart(c.width - 1, '0') : digits.padStart(c.width, '0');
  }
  const s = (value >>> 0).toString(c.base === 'o' ? 8 : 16);
  return (c.base === 'X' ? s.toUpperCase() : s).padStart(c.width, '0');
}

/** The template for iterator value `it`, or an error message when offset + it passes 2^31-1. */
export function renderTemplate(t: Template, it: number): string | { error: string } {
  let out = '';
  for (const p of t) {
    if (typeof p === 'string') { out += p; continue; }
    const v = it + p.offset;
    if (v > INT_MAX) return { error: `$GENERATE value ${it}${p.offset < 0 ? '' : '+'}${p.offset} is above ${INT_MAX}` };
    out += formatNumber(v, p);
  }
  return out;
}
