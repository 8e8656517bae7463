/**
 * Parsing presentation names (RFC 1035 §5.1) and internationalized labels
 * (RFC 5891): a bad name is a NameError, never another exception, and never
 * silently another name.
 */
import { describe, expect, it } from 'vitest';
import { NameError, nameKey, nameToText, parseName, toAscii } from '../../src/util/name.js';

function thrown(f: () => unknown): unknown {
  try { f(); } catch (e) { return e; }
  return undefined;
}

describe('parseName', () => {
  it('turns internationalized labels into A-labels, label for label', () => {
    expect(parseName('bücher.example.')).toEqual(['xn--bcher-kva', 'example']);
    expect(parseName('mail.bücher', ['example'])).toEqual(['mail', 'xn--bcher-kva', 'example']);
    expect(parseName('ÄX.example.')).toEqual(['xn--x-zfa', 'example']);
    expect(nameToText(parseName('日本.jp.'))).toBe('xn--wgv71a.jp.');
  });

  // The WHATWG URL host parser reads these as delimiters, percent-escapes or
  // dots: the name it returns is not the name that was written.
  const rewritten = ['ä/x.example.', 'ä?x.example.', 'ä#x.example.', 'ä@x.example.', 'ä%41.example.', 'ä x.example.',
    'ä\tx.example.', 'ä:x.example.', 'a:ä.example.', 'ä[x.', 'ä]x.', 'ä|x.', 'ä^x.', 'ä<x.', 'ä>x.', 'ä*x.', 'ä_x.', 'ä,x.',
    'ä。x.example.', 'ä．x.', 'ä｡x.', 'ä⒈x.', 'ä\u2024x.', 'xn--ä.', 'a\u0000ä.', '\u00ad.', 'ä\ud800.', 'ä\u00a0x.', 'ä／x.', 'ä：x.'];
  for (const text of rewritten) {
    it(`refuses ${JSON.stringify(text)} with a NameError`, () => {
      const e = thrown(() => parseName(text));
      expect(e, `parsed as ${JSON.stringify(e === undefined ? parseName(text) : '')}`).toBeInstanceOf(NameError);
      expect((e as Error).message).toMatch(/internationalized|IDNA|dot/);
    });
  }

  it('says which character is wrong', () => {
    expect((thrown(() => parseName('ä/x.example.')) as Error).message).toContain('not "/"');
    expect((thrown(() => parseName('ä x.example.')) as Error).message).toContain('not "\\032"');
    expect((thrown(() => parseName('ä。x.example.')) as Error).message).toContain('U+3002');
  });

  it('escapes are decoded label by label, and do not mix with non-ASCII letters', () => {
    expect(parseName('a\\.b.example.')).toEqual(['a.b', 'example']);
    expect(parseName('a\\032b.c\\\\d.')).toEqual(['a b', 'c\\d']);
    expect(parseName('64/26.0.0.10.in-addr.arpa.')).toEqual(['64/26', '0', '0', '10', 'in-addr', 'arpa']);
    expect(parseName('a\\.', ['example'])).toEqual(['a.', 'example']);
    // A non-ASCII label's escaped dot was once split before the escape was read.
    expect(thrown(() => parseName('ä\\.x.example.'))).toBeInstanceOf(NameError);
    expect(parseName('ä.a\\.b.example.')).toEqual(['xn--4ca', 'a.b', 'example']);
  });

  it('a \\DDD escape is three digits at most 255 (RFC 1035 §5.1)', () => {
    expect(thrown(() => parseName('a\\1x.'))).toBeInstanceOf(NameError);
    expect(thrown(() => parseName('a\\256.'))).toBeInstanceOf(NameError);
    expect(parseName('a\\255.')).toEqual(['a\xff']);
  });

  it('throws nothing but NameError, whatever the text', () => {
    const chars = ['a', 'ä', '.', '\\', '/', ':', '%', '@', '#', '?', ' ', '\u3002', '\ud800', 'x', '-', '0', '日', '\u00ad', '\u200d', 'ß', 'ς', '\u0301'];
    let seed = 12345;
    const rnd = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n; };
    for (let k = 0; k < 5000; k++) {
      let t = '';
      for (let j = rnd(12); j >= 0; j--) t += chars[rnd(chars.length)];
      const e = thrown(() => parseName(t, ['example']));
      if (e !== undefined) expect(e, JSON.stringify(t)).toBeInstanceOf(NameError);
    }
  });
});

describe('toAscii', () => {
  it('converts one U-label, and only one', () => {
    expect(toAscii('bücher')).toBe('xn--bcher-kva');
    expect(thrown(() => toAscii('a.b'))).toBeInstanceOf(NameError);
    expect(thrown(() => toAscii(''))).toBeInstanceOf(NameError);
  });
});

describe('nameToText and nameKey', () => {
  // RFC 1035 §5.1: the special characters escaped with a backslash, other octets outside printable ASCII as \DDD.
  const odd = ['a.b', 'back\\slash', 'q"uote', '(x)', 'semi;', '@at', '$d', 'sp ace', 'del\x7f', 'nul\x00', '\xc3\xa9'];
  const written = ['a\\.b', 'back\\\\slash', 'q\\"uote', '\\(x\\)', 'semi\\;', '\\@at', '\\$d', 'sp\\032ace', 'del\\127', 'nul\\000', '\\195\\169'];
  it('escapes exactly the octets RFC 1035 §5.1 names, and leaves plain labels as they are', () => {
    for (const [i, label] of odd.entries()) expect(nameToText([label, 'example'])).toBe(`${written[i]}.example.`);
    expect(nameToText(['Mail', 'Example', 'COM'])).toBe('Mail.Example.COM.');
    expect(nameToText([])).toBe('.');
  });
  it('nameKey is the lower-cased presentation form (ASCII letters only, RFC 4343 §3)', () => {
    expect(nameKey(['Mail', 'Example', 'COM'])).toBe('mail.example.com.');
    expect(nameKey(['A.B', 'X'])).toBe('a\\.b.x.');
    expect(nameKey(['\xc3\x89'])).toBe('\\195\\137.');
    expect(nameKey([])).toBe('.');
    for (const [i, label] of odd.entries()) expect(nameKey([label, 'EXAMPLE'])).toBe(`${written[i]}.example.`);
  });
});
