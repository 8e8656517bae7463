/**
 * DKIM key record text: the n= notes as DKIM-Quoted-Printable (RFC 6376
 * §3.6.1, §2.11), judged by Python's quopri and dkimpy's tag-list parser.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dkimQuotedPrintable, dkimRecordText } from '../../../src/synth/mail/dkim.js';
import { exportZone } from '../../../src/zone/export.js';
import { loadYaml } from '../../helpers/zones.js';

const PYTHON = '/usr/bin/python3';
const ED_KEY = '11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=';
// ';' ends a tag, '=' starts an escape, spaces and tabs are whitespace to a
// DKIM parser; 2-, 3- and 4-octet UTF-8; a control character; the safe ones kept.
const NOTES = 'Rotated 2026-05; owner=ops team\tsee <https://ex.test/a?b=c> — Grüße €5 😀 \u0007 |:~ end ';

/** The tags of a tag-list (RFC 6376 §3.2), as a DKIM verifier splits it. */
function tags(text: string): Map<string, string> {
  return new Map(text.split(';').map((t) => t.trim()).filter(Boolean).map((t) => {
    const i = t.indexOf('=');
    return [t.slice(0, i).trim(), t.slice(i + 1).trim()] as const;
  }));
}

describe('dkimQuotedPrintable', () => {
  it('keeps dkim-safe-char, writes every other octet as =XX in uppercase hex (RFC 6376 §2.11)', () => {
    expect(dkimQuotedPrintable('a;b=c d')).toBe('a=3Bb=3Dc=20d');
    expect(dkimQuotedPrintable('é€😀')).toBe('=C3=A9=E2=82=AC=F0=9F=98=80');
    expect(dkimQuotedPrintable('\t\r\n\u0000\u007f')).toBe('=09=0D=0A=00=7F');
    expect(dkimQuotedPrintable('!:<>|~azAZ09')).toBe('!:<>|~azAZ09');
    for (let c = 0; c < 256; c++) {
      const enc = dkimQuotedPrintable(String.fromCharCode(c));
      expect(enc).toMatch(/^(?:[\x21-\x3a\x3c\x3e-\x7e]|(?:=[0-9A-F]{2})+)$/);
    }
  });

  it('a record with notes is still one tag-list: n= holds all of them, p= is untouched', () => {
    const text = dkimRecordText({ k: 'ed25519', p: ED_KEY }, { notes: NOTES, testing: true });
    const t = tags(text);
    expect([...t.keys()]).toEqual(['v', 'k', 't', 'n', 'p']);
    expect(t.get('p')).toBe(ED_KEY);
    expect(t.get('n')).not.toMatch(/[\s;]/);
  });

  it('the YAML notes: key reaches the served record encoded', () => {
    const r = loadYaml({ 'm.test.yaml': `zone: m.test.\nnameservers: [ns.example., ns2.example.]\nmail:\n  dkim:\n    s: {key: ${ED_KEY}, notes: 'a; b=c'}\n` });
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const line = r.zones.map((z) => exportZone(z.zone)).join('').split('\n').find((l) => l.startsWith('s._domainkey.m.test.'));
    expect(line).toContain(`"v=DKIM1; k=ed25519; n=a=3B=20b=3Dc; p=${ED_KEY}"`);
  });
});

/** dkimpy's parse_tag_value splits the record; quopri (RFC 2045 §6.7) decodes n=. */
const JUDGE = `
import json, quopri, re, sys
import dkim.util
rec = sys.stdin.buffer.read()
t = dkim.util.parse_tag_value(rec)
n = t[b'n']
print(json.dumps({
  'tags': sorted(k.decode() for k in t),
  'p': t[b'p'].decode(),
  'qp_section': re.fullmatch(rb'(?:[\\x21-\\x3a\\x3c\\x3e-\\x7e]|=[0-9A-F]{2})*', n) is not None,
  'notes': quopri.decodestring(n).decode('utf-8', 'strict'),
}))
`;
const haveDkimpy = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import dkim.util, quopri'], { stdio: 'ignore' }).status === 0;
if (!haveDkimpy && process.env.MAILNS_REQUIRE_TOOLS === '1') throw new Error(`required python3 module dkim (python3-dkim) for ${PYTHON} (MAILNS_REQUIRE_TOOLS=1)`);

describe.skipIf(!haveDkimpy)('n= judged by dkimpy and quopri', () => {
  it('dkimpy parses the record as a tag-list and quopri decodes n= back to the notes', () => {
    for (const notes of [NOTES, 'x', '=3B is not an escape here', ';;;', '   ']) {
      const rec = dkimRecordText({ k: 'ed25519', p: ED_KEY }, { notes });
      const r = spawnSync(PYTHON, ['-c', JUDGE], { input: rec, encoding: 'utf8', timeout: 20_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ tags: ['k', 'n', 'p', 'v'], p: ED_KEY, qp_section: true, notes });
    }
  });
});
