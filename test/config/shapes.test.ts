/**
 * YAML the loader cannot use is a finding with a place, never an exception:
 * aliases to missing anchors, alias bombs, tags.
 */
import { describe, expect, it } from 'vitest';
import { loadYaml } from '../helpers/zones.js';

const HEAD = 'zone: t.test.\nnameservers: [ns1.example.net., ns2.example.net.]\n';

function load(text: string) {
  const r = loadYaml({ 't.test.yaml': text });
  return { ...r, found: r.problems.map((p) => `${p.line}:${p.col} ${p.severity} ${p.rule}`) };
}

describe('YAML and shapes', () => {
  it('an alias to an anchor that is not there is a finding at the alias', () => {
    const r = load(HEAD + 'hosts:\n  www: {ipv4: [192.0.2.80, *nope]}\n');
    expect(r.found).toEqual(['4:28 error yaml-alias']);
    expect(r.problems[0]!.message).toBe('alias *nope names no anchor before it');
  });

  it('aliases that expand past the limit (the "billion laughs") are refused', () => {
    let bomb = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 9; i++) bomb += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
    const r = load(HEAD + `${bomb}lint: {ignore: *a8}\n`);
    expect(r.found).toEqual(['4:10 error yaml-alias']); // the first alias
    expect(r.problems[0]!.message).toMatch(/resource exhaustion/);
  });

  it('a tag is a warning at its place, not a message on stderr', () => {
    const r = load(HEAD + 'hosts:\n  www: {ipv4: !!float 192.0.2.80}\n');
    expect(r.found).toEqual(['4:15 warning yaml-tag']);
    expect(r.problems[0]!.message).toBe('Unresolved tag: tag:yaml.org,2002:float');
    expect(r.zones).toHaveLength(1);
  });

});
