/**
 * Duplicate keys are found in one pass of our own (the library's
 * `uniqueKeys` compares each key with every key before it, which made large
 * zones quadratic): the findings must stay what the library reported, rule,
 * place, message and order at one place. The library itself, with
 * `uniqueKeys` on, is the oracle.
 */
import fc from 'fast-check';
import { LineCounter, parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseYaml } from '../../src/config/source.js';
import { rawArb } from '../helpers/zonegen.js';

/** "line:col rule message", in the order the loader shows them (by place, stable). */
function byPlace(list: { line: number; col: number; text: string }[]): string[] {
  return list.map((x, i) => ({ ...x, i })).sort((a, b) => a.line - b.line || a.col - b.col || a.i - b.i).map((x) => `${x.line}:${x.col} ${x.text}`);
}

function oracle(text: string): string[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false, logLevel: 'error' });
  return byPlace(doc.errors.map((e) => ({ ...lc.linePos(e.pos[0]), text: `${e.code === 'DUPLICATE_KEY' ? 'duplicate-key' : 'yaml-syntax'} ${e.message.split('\n')[0]}` })));
}

function ours(text: string): string[] {
  return byPlace(parseYaml(text, 'f.yaml').problems.filter((p) => p.rule === 'duplicate-key' || p.rule === 'yaml-syntax').map((p) => ({ ...p, text: `${p.rule} ${p.message}` })));
}

// Keys that are equal or nearly (1 and "1" differ, 1 and 1.0 do not, NaN never), with props, explicit, empty and collection keys.
const KEYS = ['a', 'a', '"a"', "'a'", '1', '"1"', '1.0', '0x1', '~', 'null', '', '? a', '? ', '&x a', '!!str a', '!!str 1', '.nan', '.NaN', '-0', '0',
  '[a]', '{a: 1}', '*x', '? [a]', 'true', 'True', '? |\n  a\n'];
// Values, some empty (the library then places the next key's finding at the end of this value), some holding maps of their own.
const VALUES = [' v', ' {a: 1, a: 2}', '\n  a: 1\n  a: 2', ' [a: 1, a: 1]', '', ' # c', ' &v x', ' !!str', ' |\n  x\n', ' *x', ' "q"',
  ' {a: 1, # c\n a: 2}', ' {a, a}', ' {? a, ? a}', ' {a: , a: }', '\n  - a\n  - b', ' {: 1, : 2}', " 'x'"];
const SEPARATORS = ['\n', '\n# c\n', '\r\n', '\n\n', '\n  ', ', ', ',\n  # c\n  ', ' , '];

/** Mappings block and flow, top-level and nested, with keys that repeat. */
const mappingArb = fc.array(fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES), fc.constantFrom(...SEPARATORS)), { minLength: 1, maxLength: 8 })
  .chain((items) => fc.constantFrom('block', 'flow', 'nested').map((shape) => {
    if (shape === 'flow') return '{' + items.map(([k, v, sep]) => `${k}:${v.includes('\n') ? ' x' : v}${sep.includes(',') ? sep : ', '}`).join('') + '}';
    const body = items.map(([k, v, sep]) => `${k}:${v}${sep.includes(',') ? '\n' : sep}`).join('');
    return shape === 'nested' ? 'top:\n' + body.split('\n').map((l) => '  ' + l).join('\n') : body;
  }));

describe('duplicate keys', () => {
  it('are reported as the library reported them', () => {
    expect(ours('a: 1\nb: 2\na: 3\n')).toEqual(['3:1 duplicate-key Map keys must be unique']);
    // After an empty value the library's place is the end of that value, not the key: kept as it was.
    expect(ours('a:\na: v\n')).toEqual(['1:3 duplicate-key Map keys must be unique']);
    expect(parseYaml('a: 1\na: 2\n', 'f').problems[0]!.hint).toBe('each key may appear once in a mapping (YAML 1.2): merge the two entries');
    let dups = 0;
    fc.assert(fc.property(mappingArb, (text) => {
      const want = oracle(text);
      if (want.some((x) => x.includes('duplicate-key'))) dups++;
      expect(ours(text), JSON.stringify(text)).toEqual(want);
    }), { numRuns: 4000, seed: 20261203 });
    expect(dups).toBeGreaterThan(1000);
    fc.assert(fc.property(rawArb, (files) => {
      for (const text of Object.values(files)) expect(ours(text), JSON.stringify(text)).toEqual(oracle(text));
    }), { numRuns: 1000, seed: 20261203 });
  }, 120_000);

  it('do not stop the rest of the file from loading: the last value wins', () => {
    const r = parseYaml('hosts:\n  www: {ipv4: 192.0.2.1}\n  www: {ipv4: 192.0.2.2}\n', 'f');
    expect(r.source?.data).toEqual({ hosts: { www: { ipv4: '192.0.2.2' } } });
    // Places point at the first of the two, as before.
    expect(r.source?.at(['hosts', 'www'], true)).toEqual({ file: 'f', line: 2, col: 3 });
  });
});
