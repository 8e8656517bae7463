/**
 * YAML the loader cannot use is a finding with a place, never an exception:
 * aliases to missing anchors, alias bombs, tags, values of the wrong shape
 * where later stages expect the schema's shapes.
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

  it('a TTL that is a list or null is a schema error, reported once', () => {
    const r = load(HEAD + 'defaults: {ttl: [1h]}\nsoa: {refresh: null}\n');
    expect(r.found.filter((f) => !f.includes('schema'))).toEqual([]);
    expect(r.found.length).toBe(2);
  });

  it('a mail: part the schema refused is not handed to the helpers; the rest still is', () => {
    const r = load(HEAD + "mail:\n  mx: [{}]\n  dmarc: {p: reject, rua: 'mailto:d@t.test'}\n");
    expect(r.found).toEqual(['4:8 error schema']);
    expect(r.problems[0]!.message).toContain('needs "host"');
    // One finding, at the entry: not also "must be none" and "must be a string" for the branches not meant.
    expect(load(HEAD + 'mail:\n  mx: [null]\n').found).toEqual(['4:8 error schema']);
    // DMARC was fine, and was still checked and built: the report address is in the zone itself.
    expect(r.failed).toHaveLength(1);
  });

  it('caa:, tlsa: and lint: of the wrong shape are schema errors only', () => {
    const r = load(HEAD + 'caa: {issue: [{}]}\ntlsa: {mail: {ports: [x]}}\nlint: {ignore: [spf-none]}\n');
    expect(r.problems.map((p) => p.rule)).toEqual(['schema', 'schema', 'schema']);
  });

  it('a key file that is not a regular file is a finding, and does not block or exhaust the load', () => {
    const r = load(HEAD + 'mail:\n  dkim:\n    a: {key_file: /dev/zero}\n    b: {key_file: /dev/stdin}\n    c: {key_file: .}\n');
    expect(r.found).toEqual(['5:19 error dkim-key', '6:19 error dkim-key', '7:19 error dkim-key']);
    expect(r.problems[0]!.message).toBe('cannot read /dev/zero: a character device, not a regular file');
  });

  it('keys of every kind are found where they are written, not at 1:1', () => {
    // An empty key is "" in the data; an explicit key without a value has only its key;
    // a mapping as a key is its YAML text in the data, and its block form starts at its first key.
    const r = load(HEAD + ': x\n? mail\n? a: 1\n? [b, c]\n');
    expect(r.problems.map((p) => `${p.line}:${p.col} ${p.message}`)).toEqual([
      '3:1 unknown key "" in top level',
      '4:3 mail must be object',
      '5:3 unknown key "{ a: 1 }" in top level',
      '6:3 unknown key "[ b, c ]" in top level',
    ]);
  });
});
