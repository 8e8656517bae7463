/**
 * at() answers from a tree of places made at parse time (so a worker thread
 * can parse and the document can go): for every path into the data of the
 * example zones, the fixtures and some awkward YAML, and for keys and
 * places that do not exist, it gives what the walk over the document gave
 * (test/helpers/yaml-walk.ts), before and after the tree is released.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deserialize, serialize } from 'node:v8';
import { parseText, sourceOf } from '../../src/config/source.js';
import { referenceAt } from '../helpers/yaml-walk.js';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(f) ? [p] : [];
  });
}

const AWKWARD = [
  '? mail\n? www\nzone: a.test.\n',
  '? {a: 1}\n: complex\nplain: [1, [2, {x: y}], ]\n',
  'a: 1\na: 2\nb: {c: 1, c: 2}\n',
  'base: &b {ipv4: 192.0.2.1}\nhosts:\n  www: *b\n  mail: {<<: *b}\n',
  'a:\nb: ~\n? c\n"": empty\n~: nullkey\n',
  '- a\n- - b\n  - c\n- {d: e}\n',
  '',
  '# only a comment\n',
  'scalar',
  '? a: 1\n  b: 2\n: v\n',
  'x: {1: one, "1": text, true: t}\n',
  // Mappings and lists larger than the places scan (a Map is made for them), with equal keys and nulls.
  `hosts:\n${Array.from({ length: 40 }, (_, i) => `  h${i % 30}: {ipv4: 192.0.2.${i}}\n`).join('')}list: [${Array.from({ length: 20 }, (_, i) => (i % 7 ? i : '~')).join(', ')}]\n`,
];

/** Every path into `data`, plus for each container a key and an index that are not there. */
function paths(data: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [at];
  if (Array.isArray(data)) {
    data.forEach((v, i) => out.push(...paths(v, [...at, i])));
    out.push([...at, data.length], [...at, 'nosuch']);
  } else if (data !== null && typeof data === 'object') {
    for (const [k, v] of Object.entries(data)) out.push(...paths(v, [...at, k]));
    out.push([...at, 'nosuch'], [...at, 'nosuch', 0]);
  } else {
    out.push([...at, 'below']);
  }
  return out;
}

describe('places', () => {
  const texts = [...yamlFiles('zones'), ...yamlFiles('test/fixtures')].map((f) => [f, readFileSync(f, 'utf8')] as const);
  texts.push(...AWKWARD.map((t, i) => [`awkward-${i}`, t] as const));

  it('give every path the place the document walk gave, before and after release, after crossing to another thread', () => {
    let asked = 0;
    for (const [name, text] of texts) {
      const { parsed } = parseText(text, name);
      if (!parsed) continue;
      // As a parse worker hands it over (src/config/parse-pool.ts): serialized and read back.
      const source = sourceOf(deserialize(serialize(parsed)) as typeof parsed);
      const ref = referenceAt(text);
      const all = paths(source.data);
      const ask = () => all.flatMap((p) => [false, true].map((key) => { const a = source.at(p, key); return `${p.join('/')} ${key} ${a.line}:${a.col}`; }));
      const expected = all.flatMap((p) => [false, true].map((key) => { const a = ref(p, key); return `${p.join('/')} ${key} ${a.line}:${a.col}`; }));
      expect(ask(), name).toEqual(expected);
      source.release();
      expect(ask(), `${name} after release`).toEqual(expected);
      asked += all.length;
    }
    // The premise: many paths were asked, through many files.
    expect(texts.length).toBeGreaterThan(30);
    expect(asked).toBeGreaterThan(2000);
  });
});
