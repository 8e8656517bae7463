/** The RDATA tokenizer: every kind of whitespace separates tokens, so no input can stall it. */
import { describe, expect, it } from 'vitest';
import { tokenize } from '../../src/wire/text.js';
import { loadYaml } from '../helpers/zones.js';

describe('tokenize', () => {
  it('splits at ASCII and Unicode whitespace alike (it looped forever on a no-break space)', () => {
    for (const ws of ['\u00a0', '\v', '\f', '\u3000', '\u2009', '\u2028', '\ufeff']) {
      expect(tokenize(`10${ws}mail.example.${ws}`), JSON.stringify(ws)).toEqual(['10', 'mail.example.']);
    }
    expect(tokenize('"a\u00a0b" c')).toEqual(['"a\u00a0b"', 'c']);
  });

  it('a record value with a pasted no-break space loads (the process aborted before)', () => {
    const r = loadYaml({ 't.test.yaml': 'zone: t.test.\nnameservers: [ns1.example.net., ns2.example.net.]\nrecords:\n  x: {type: A, value: "192.0.2.1\\u00a0"}\n' });
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(r.zones).toHaveLength(1);
  });
});
