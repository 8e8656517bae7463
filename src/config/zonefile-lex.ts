/**
 * The lexer of RFC 1035 §5 master files: text → entries (one record or
 * directive each) of tokens that know their line and column. Part of
 * ./zonefile.ts, split out to keep both files readable.
 */

export interface Pos { line: number; col: number }
export interface Token extends Pos { text: string; quoted: boolean }
/** One logical line: a record or a directive. `blankOwner`: it starts with whitespace. */
export interface Entry { tokens: Token[]; line: number; blankOwner: boolean; bad: boolean }

/** A `\DDD` escape must have three digits and be at most 255 (RFC 1035 §5.1). */
function badEscape(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '\\') continue;
    if (/[0-9]/.test(text[i + 1] ?? '')) {
      const d = text.slice(i + 1, i + 4);
      if (!/^[0-9]{3}$/.test(d) || Number(d) > 255) return `bad escape "\\${d}": \\DDD needs three digits, at most 255`;
    }
    i++;
  }
  return undefined;
}

/**
 * Index of the '"' closing a quoted run that starts at `from`, `\x` escapes
 * skipped; `s.length` when the line ends first, more when it ends in a backslash.
 */
function closingQuote(s: string, from: number): number {
  let q = from;
  while (q < s.length && s[q] !== '"') q += s[q] === '\\' ? 2 : 1;
  return q;
}

/**
 * Splits the text into entries (RFC 1035 §5.1): tokens are separated by blanks,
 * ';' starts a comment running to the end of the line, parentheses let an entry
 * continue across line ends, and a quoted string is one token (with `\"`, `\\`
 * escapes) that must end on its own line. `key="a value"` is one token too, as
 * the SvcParams of SVCB and HTTPS are written (RFC 9460 §2.1).
 */
export function lex(text: string, err: (line: number, col: number, msg: string) => void): Entry[] {
  const entries: Entry[] = [];
  const lines = text.split('\n');
  let cur: Entry | undefined;
  let depth = 0; // parentheses may nest, as in BIND
  let paren = { line: 0, col: 0 }; // where the outermost open '(' is
  for (let i = 0; i < lines.length; i++) {
    const s = lines[i]!.replace(/\r$/, '');
    const ln = i + 1;
    const entry = (): Entry => (cur ??= { tokens: [], line: ln, blankOwner: s[0] === ' ' || s[0] === '\t', bad: false });
    const fail = (col: number, msg: string): void => { err(ln, col, msg); entry().bad = true; };
    let p = 0;
    while (p < s.length) {
      const c = s[p]!;
      const col = p + 1;
      if (c === ' ' || c === '\t' || c === '\r') { p++; continue; }
      if (c === ';') break;
      if (c === '(') {
        entry();
        if (depth++ === 0) paren = { line: ln, col };
        p++;
        continue;
      }
      if (c === ')') {
        if (depth === 0) fail(col, 'unbalanced parentheses: ")" without "("');
        else depth--;
        p++;
        continue;
      }
      let q: number;
      if (c === '"') {
        q = closingQuote(s, p + 1);
        if (q > s.length) { fail(s.length, 'backslash at end of line'); break; }
        if (q === s.length) { fail(col, 'unterminated quoted string'); break; }
        q++;
      } else {
        q = p;
        let open = false;
        while (q < s.length && !' \t\r;()'.includes(s[q]!)) {
          if (s[q] === '"' && s[q - 1] === '=') {
            const end = closingQuote(s, q + 1);
            if (end >= s.length) { open = true; break; }
            q = end + 1;
            continue;
          }
          q += s[q] === '\\' ? 2 : 1;
        }
        if (open) { fail(col, 'unterminated quoted string'); break; }
        if (q > s.length) { fail(s.length, 'backslash at end of line'); break; }
      }
      const tok = s.slice(p, q);
      const bad = badEscape(tok);
      if (bad) fail(col, bad);
      entry().tokens.push({ text: tok, line: ln, col, quoted: c === '"' });
      p = q;
    }
    if (depth === 0 && cur) { entries.push(cur); cur = undefined; }
  }
  if (depth > 0) {
    err(paren.line, paren.col, 'unbalanced parentheses: "(" never closed');
    if (cur) entries.push({ ...cur, bad: true });
  }
  return entries;
}
