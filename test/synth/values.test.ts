/** YAML values → RDATA tokens: how literal TXT text is cut into character-strings. */
import { describe, expect, it } from 'vitest';
import { txtTokens } from '../../src/synth/values.js';
import { charStringOctets } from '../../src/wire/text.js';
import { parseRdata } from '../../src/wire/rdata.js';
import { TYPE } from '../../src/wire/constants.js';

/** The character-strings of TXT RDATA as it goes on the wire (RFC 1035 §3.3.14). */
function wireStrings(text: string): Buffer[] {
  const { wire } = parseRdata(TYPE.TXT, txtTokens(text), []);
  const out: Buffer[] = [];
  for (let o = 0; o < wire.length; o += 1 + wire[o]!) out.push(Buffer.from(wire.subarray(o + 1, o + 1 + wire[o]!)));
  return out;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function expectWellCut(text: string): Buffer[] {
  const strings = wireStrings(text);
  for (const s of strings) {
    expect(s.length).toBeLessThanOrEqual(255);
    // Each string on its own is whole UTF-8 characters (a cut character would throw here).
    expect(() => strictUtf8.decode(s)).not.toThrow();
  }
  // RFC 7208 §3.3: the strings joined without separators are the text.
  expect(Buffer.concat(strings).equals(Buffer.from(text, 'utf8'))).toBe(true);
  // And the tokens say the same as the wire.
  expect(Buffer.concat(txtTokens(text).map(charStringOctets)).equals(Buffer.from(text, 'utf8'))).toBe(true);
  return strings;
}

describe('txtTokens', () => {
  it('ASCII text is cut every 255 octets; empty text is one empty string', () => {
    expect(expectWellCut('x'.repeat(600)).map((s) => s.length)).toEqual([255, 255, 90]);
    expect(expectWellCut('x'.repeat(255)).map((s) => s.length)).toEqual([255]);
    expect(wireStrings('')).toEqual([Buffer.alloc(0)]);
  });

  it('2-, 3- and 4-octet characters across the 255-octet boundary are never split', () => {
    for (const ch of ['é', '€', '😀']) {
      const size = Buffer.byteLength(ch);
      for (let pad = 250; pad <= 256; pad++) {
        const text = 'a'.repeat(pad) + ch.repeat(3) + 'tail';
        const strings = expectWellCut(text);
        // The first string ends at the last character that fits whole.
        const fits = pad >= 255 ? Math.min(pad, 255) : pad + size * Math.floor((255 - pad) / size);
        expect(strings[0]!.length, `${ch} after ${pad} octets`).toBe(fits);
      }
    }
  });

  it('long text made only of multi-octet characters, mixed, over several strings', () => {
    expectWellCut('😀'.repeat(200));
    expectWellCut('€'.repeat(300));
    expectWellCut('é'.repeat(300));
    expectWellCut(Array.from({ length: 400 }, (_, i) => ['a', 'é', '€', '😀'][i % 4]).join(''));
  });
});
