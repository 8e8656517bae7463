/** CHAOS identity answers (RFC 4892): one character-string, cut between UTF-8 characters. */
import { describe, expect, it } from 'vitest';
import { chaosAnswer } from '../../src/query/chaos.js';
import { TYPE } from '../../src/wire/constants.js';

describe('chaosAnswer', () => {
  it('a long non-ASCII identity becomes one string of at most 255 octets that is valid UTF-8', () => {
    const identity = 'é'.repeat(300); // 600 octets; 255 would end inside a character
    const p = chaosAnswer({ version: false, identity }, ['id', 'server'], TYPE.TXT)!;
    const wire = p.rrset.rdatas[0]!.wire;
    expect(wire[0]).toBe(254);
    expect(wire.length).toBe(255);
    expect(new TextDecoder('utf-8', { fatal: true }).decode(wire.subarray(1))).toBe('é'.repeat(127));
  });
});
