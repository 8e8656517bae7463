/** The order `mailns diff` prints owners in: RFC 4034 §6.1 canonical order. */
import { describe, expect, it } from 'vitest';
import { compareNames } from '../../src/zone/diff.js';

describe('compareNames', () => {
  it('sorts the RFC 4034 §6.1 example into its canonical order', () => {
    // The RFC's list, in order; labels are octet strings (\001 is 0x01, \200 is 0x80).
    const canonical = ['example', 'a.example', 'yljkjljk.a.example', 'Z.a.example', 'zABC.a.EXAMPLE', 'z.example', '\x01.z.example', '*.z.example', '\x80.z.example'];
    const names = canonical.map((n) => n.split('.'));
    const shuffled = [...names].reverse();
    shuffled.push(shuffled.splice(3, 1)[0]!);
    expect(shuffled.sort(compareNames).map((n) => n.join('.'))).toEqual(canonical);
  });
});
