/**
 * TSIG key files, in the format BIND's tsig-keygen writes and NSD, Knot
 * and BIND users know (one or more per file):
 *
 *     key "xfr.example.com." {
 *         algorithm hmac-sha256;
 *         secret "base64...";
 *     };
 *
 * Comments are `#`, `//` and `/* … *\/`. Problems carry file:line:col; a
 * secret never appears in one.
 */
import { statSync } from 'node:fs';
import { readFailure, readRegularFile } from './source.js';
import { lowerName, NameError, parseZoneName } from '../util/name.js';
import { type Problem, problem } from '../util/problem.js';
import { ALGORITHMS, isAlgorithm, type TsigKey } from '../wire/tsig.js';

const NAME_RE = /^[A-Za-z0-9._-]+$/;

/** One key file's text as the keygen writes it. */
export function formatKeyFile(name: string, algorithm: string, secret: string): string {
  return `key "${name}" {\n\talgorithm ${algorithm};\n\tsecret "${secret}";\n};\n`;
}

/** A key file is a few lines: anything larger is not one. */
const MAX_KEY_FILE = 1 << 20;

/**
 * Reads the keys of a file; problems (every one, with a place) for what is
 * wrong, a warning when others may read it. A path that is not a regular
 * file (a FIFO as --tsig-key would block start until something writes to
 * it) is refused unopened; `unread` says why a file gave no text at all.
 */
export function readKeyFile(file: string): { keys: TsigKey[]; problems: Problem[]; unread?: string } {
  const problems: Problem[] = [];
  const text = readRegularFile(file, MAX_KEY_FILE);
  if (text instanceof Error) {
    const unread = readFailure(file, text);
    return { keys: [], problems: [problem({ file, line: 1, col: 1 }, 'tsig-key', unread)], unread };
  }
  try {
    const mode = statSync(file).mode & 0o777;
    // The secret is the key: like ssh and BIND, say so when the group or others may read it.
    if (mode & 0o077) problems.push(problem({ file, line: 1, col: 1 }, 'tsig-key-mode', `${file} is mode ${mode.toString(8).padStart(4, '0')}: others on this host may read the secret`, `chmod 600 ${file}`, 'warning'));
  } catch { /* read above, so it exists */ }
  const keys = parseKeys(file, text, problems);
  if (!keys.length && !problems.some((p) => p.severity === 'error')) problems.push(problem({ file, line: 1, col: 1 }, 'tsig-key', `${file} holds no key "NAME" { algorithm ...; secret "..."; };`));
  return { keys, problems };
}

interface Token { text: string; quoted: boolean; line: number; col: number }

function tokens(text: string): Token[] {
  const out: Token[] = [];
  let line = 1, col = 1;
  for (let i = 0; i < text.length;) {
    const c = text[i]!;
    const advance = (n: number) => {
      for (let k = 0; k < n; k++) { if (text[i + k] === '\n') { line++; col = 1; } else col++; }
      i += n;
    };
    if (/\s/.test(c)) { advance(1); continue; }
    if (c === '#' || (c === '/' && text[i + 1] === '/')) { const e = text.indexOf('\n', i); advance((e < 0 ? text.length : e) - i); continue; }
    if (c === '/' && text[i + 1] === '*') { const e = text.indexOf('*/', i + 2); advance((e < 0 ? text.length : e + 2) - i); continue; }
    const at = { line, col };
    if (c === '"') {
      const e = text.indexOf('"', i + 1);
      const end = e < 0 ? text.length : e;
      out.push({ text: text.slice(i + 1, end), quoted: true, ...at });
      advance(end + 1 - i);
      continue;
    }
    if ('{};'.includes(c)) { out.push({ text: c, quoted: false, ...at }); advance(1); continue; }
    let j = i;
    while (j < text.length && !/[\s{};"#]/.test(text[j]!)) j++;
    out.push({ text: text.slice(i, j), quoted: false, ...at });
    advance(j - i);
  }
  return out;
}

/**
 * A token of a key file as a finding may show it: a short word (a keyword
 * misspelt) as written, anything else, quoted or not, as "…": it may be the
 * secret (a file holding only the base64 secret), which is never printed.
 */
function shown(tok: Token): string {
  return !tok.quoted && /^[A-Za-z][A-Za-z-]{0,15}$/.test(tok.text) ? `"${tok.text}"` : '"…"';
}

function parseKeys(file: string, text: string, problems: Problem[]): TsigKey[] {
  const t = tokens(text);
  const keys: TsigKey[] = [];
  const err = (tok: Token | undefined, msg: string, hint?: string) => problems.push(problem({ file, line: tok?.line ?? 1, col: tok?.col ?? 1 }, 'tsig-key', msg, hint ?? 'write key "NAME" { algorithm hmac-sha256; secret "BASE64"; }; (as mailns tsig keygen does)'));
  let i = 0;
  const expect = (s: string): boolean => {
    if (t[i]?.text === s && !t[i]!.quoted) { i++; return true; }
    err(t[i] ?? t[t.length - 1], `expected "${s}"${t[i] ? `, found ${shown(t[i]!)}` : ' at the end of the file'}`);
    return false;
  };
  while (i < t.length) {
    const kw = t[i]!;
    if (kw.text !== 'key' || kw.quoted) { err(kw, `expected key, found ${shown(kw)}`); return keys; }
    const nameTok = t[i + 1];
    i += 2;
    if (!nameTok || !NAME_RE.test(nameTok.text)) { err(nameTok ?? kw, 'a key needs a name: letters, digits, dots, - and _'); return keys; }
    if (!expect('{')) return keys;
    let algorithm: string | undefined, secret: Buffer | undefined;
    let algTok: Token | undefined;
    while (i < t.length && t[i]!.text !== '}') {
      const k = t[i]!, v = t[i + 1];
      i += 2;
      if (!v) { err(k, `${k.text} needs a value`); return keys; }
      if (k.text === 'algorithm') { algorithm = v.text.toLowerCase().replace(/\.$/, ''); algTok = v; }
      else if (k.text === 'secret') {
        const s = v.text.replace(/\s+/g, '');
        const b = Buffer.from(s, 'base64');
        // base64 round-trips exactly, or it is not base64 (say so without the value).
        if (!s || b.toString('base64').replace(/=+$/, '') !== s.replace(/=+$/, '')) err(v, `key ${nameTok.text}: the secret is not base64`);
        else secret = b;
      } else err(k, `key ${nameTok.text}: unknown setting "${k.text}" (algorithm and secret are known)`);
      if (!expect(';')) return keys;
    }
    if (!expect('}')) return keys;
    if (t[i]?.text === ';') i++;
    if (!algorithm) { err(nameTok, `key ${nameTok.text} has no algorithm`); continue; }
    if (!isAlgorithm(algorithm)) { err(algTok, `key ${nameTok.text}: algorithm ${algorithm} is not one of ${Object.keys(ALGORITHMS).join(', ')}`); continue; }
    if (!secret) { if (!problems.some((p) => p.line === nameTok.line)) err(nameTok, `key ${nameTok.text} has no secret`); continue; }
    try {
      keys.push({ name: lowerName(parseZoneName(nameTok.text)), algorithm, secret });
    } catch (e) {
      if (!(e instanceof NameError)) throw e;
      err(nameTok, `key ${nameTok.text}: ${e.message}`);
    }
  }
  return keys;
}
