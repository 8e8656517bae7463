/**
 * schema/zone.schema.json, the file editors load, judged by a validator we
 * did not write: python3-jsonschema (Debian) for the draft the schema
 * declares, reading the YAML with PyYAML set to YAML 1.2 as mailns reads it
 * (test/helpers/schemacheck.py). Every example zone and fixture is valid,
 * deliberately wrong zones are not, and mailns's own schema check agrees on
 * each; every property is described; defaults and examples fit the schema.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadYaml } from '../helpers/zones.js';
import { requireModules } from '../helpers/mailcheck.js';
import { readServerConfig } from '../../src/config/server.js';

const SCHEMA = 'schema/zone.schema.json';
const schema = JSON.parse(readFileSync(SCHEMA, 'utf8')) as Schema;

interface Schema { [k: string]: unknown }

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? yamlFiles(p) : f.endsWith('.yaml') || f.endsWith('.yml') ? [p] : [];
  });
}

/**
 * Every zone file we ship or test with. All are valid by the schema: the two
 * fixture sets that `check` fails (lint/mistakes, lint/spf/include-11) fail
 * on lint rules, mistakes a schema cannot see.
 */
const VALID = [...yamlFiles('zones'), ...yamlFiles('test/fixtures')];

const HEAD = 'zone: t.test.\nnameservers: [ns1.example.net., ns2.example.net.]\n';
/** Wrong in one way each; the name says how. */
const INVALID: Record<string, string> = {
  'no nameservers': 'zone: t.test.\nhosts:\n  www: {ipv4: 192.0.2.80}\n',
  'no nameserver in the list': 'zone: t.test.\nnameservers: []\n',
  'unknown top-level key': HEAD + 'hsots: {}\n',
  'a typo in mail.spf': HEAD + 'mail:\n  spf: {inlcude: [_spf.example.net]}\n',
  'a DMARC policy that is no word of RFC 7489': HEAD + 'mail:\n  dmarc: {p: rejct}\n',
  'DMARC without p': HEAD + 'mail:\n  dmarc: {sp: reject}\n',
  'pct over 100': HEAD + 'mail:\n  dmarc: {p: reject, pct: 150}\n',
  'a serial over 32 bits': HEAD + 'soa: {serial: 4294967296}\n',
  'a TLSA port 0': HEAD + 'tlsa:\n  mail: {ports: [0]}\n',
  'a reverse entry without network': HEAD + 'reverse:\n  - zone: 2.0.192.in-addr.arpa.\n',
  'a host with an unknown key': HEAD + 'hosts:\n  www: {ipv4: 192.0.2.80, tll: 5m}\n',
  'a record with both value and values': HEAD + 'records:\n  www: {type: A, value: 192.0.2.1, values: [192.0.2.2]}\n',
  'autoconfig on (YAML 1.2 text, neither off nor a mapping)': HEAD + 'mail:\n  autoconfig: on\n',
  'a DKIM selector without a key': HEAD + 'mail:\n  dkim:\n    s1: {testing: true}\n',
};
/** Valid only when YAML is read as 1.2 (off is text, not false): the helper must read it as mailns does. */
const YAML12 = HEAD + 'mail:\n  mx: mail.example.net.\n  autoconfig: off\n  client_srv: {imap: off, pop3: off}\n  caller_id: off\n';

interface Check {
  validator: string;
  results: { name: string; errors: string[] }[];
  samples: { checked: number; invalid: string[] };
}

/** What python3-jsonschema says of the files and texts under `schema`: its verdicts, and each one by name. */
function judged(schema: unknown, files: string[], docs: { name: string; text: string }[]) {
  const r = spawnSync('/usr/bin/python3', ['test/helpers/schemacheck.py'], { input: JSON.stringify({ schema, files, docs }), encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`schemacheck.py exited ${r.status}:\n${r.stderr}`);
  const check = JSON.parse(r.stdout) as Check;
  return { check, result: (name: string) => check.results.find((x) => x.name === name)! };
}

const why = { note: '' };
const haveTools = requireModules(['jsonschema', 'yaml'], why);

describe.skipIf(!haveTools)(haveTools ? 'the zone schema, by python3-jsonschema' : `the zone schema, by python3-jsonschema (skipped: ${why.note})`, () => {
  const docs = [...Object.entries(INVALID).map(([name, text]) => ({ name, text })), { name: 'yaml 1.2', text: YAML12 }];
  const { check, result } = judged(SCHEMA, VALID, docs);

  it('is judged by the validator of the draft it declares', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(check.validator).toBe('Draft7Validator');
  });

  it('accepts every example zone and fixture', () => {
    expect(VALID.length).toBeGreaterThanOrEqual(20);
    expect(VALID.filter((f) => f.startsWith('zones/'))).toHaveLength(3);
    for (const f of VALID) expect(result(f).errors, f).toEqual([]);
  });

  it('reads YAML as mailns does: off is text', () => {
    expect(result('yaml 1.2').errors).toEqual([]);
    expect(schemaFindings(YAML12)).toEqual([]);
  });

  it('refuses each deliberately wrong zone, and so does mailns', () => {
    for (const name of Object.keys(INVALID)) {
      expect(result(name).errors.length, name).toBeGreaterThan(0);
      expect(schemaFindings(INVALID[name]!).length, name).toBeGreaterThan(0);
    }
  });

  it('has defaults and examples that are valid where they are written', () => {
    expect(check.samples.checked).toBeGreaterThan(100);
    expect(check.samples.invalid).toEqual([]);
  });
});

/** mailns's own schema findings for one file. */
function schemaFindings(text: string): string[] {
  return loadYaml({ 't.test.yaml': text }).problems.filter((p) => p.rule === 'schema').map((p) => p.message);
}

describe('the zone schema, for editors', () => {
  it('has an $id and a title, and the example zones name it in their first line', () => {
    expect(schema.$id).toMatch(/\/schema\/zone\.schema\.json$/);
    expect(schema.title).toBeTruthy();
    for (const f of yamlFiles('zones')) {
      expect(readFileSync(f, 'utf8').split('\n')[0], f).toBe('# yaml-language-server: $schema=../schema/zone.schema.json');
    }
  });

  it('describes every property, map value, list item, definition and alternative', () => {
    const undescribed = walk(schema, '#');
    expect(undescribed).toEqual([]);
    // The walk reaches the deep places (not only the top level).
    expect(described).toContain('#/properties/mail/properties/dmarc/properties/rua');
    expect(described).toContain('#/properties/reverse/items/properties/delegate/additionalProperties/anyOf/1/properties/zone');
    expect(described.length).toBeGreaterThan(180);
  });
});

const described: string[] = [];

/**
 * Pointers of the subschemas without a description. Exempt: a bare $ref to
 * a described definition (editors show the definition's), and an
 * alternative that only adds `required` (a rule, not a shape).
 */
function walk(node: Schema, ptr: string, needs = true): string[] {
  const out: string[] = [];
  const keys = Object.keys(node);
  const bareRef = typeof node.$ref === 'string' && keys.every((k) => k === '$ref');
  const onlyRequired = keys.length > 0 && keys.every((k) => k === 'required');
  if (needs && !bareRef && !onlyRequired) {
    if (typeof node.description === 'string' && node.description.trim()) described.push(ptr);
    else out.push(ptr);
  }
  const sub = (v: unknown, p: string) => { if (v && typeof v === 'object' && !Array.isArray(v)) out.push(...walk(v as Schema, p)); };
  for (const k of ['properties', 'patternProperties', 'definitions', '$defs']) {
    for (const [name, v] of Object.entries((node[k] ?? {}) as Record<string, unknown>)) sub(v, `${ptr}/${k}/${name}`);
  }
  sub(node.additionalProperties, `${ptr}/additionalProperties`);
  sub(node.items, `${ptr}/items`);
  for (const k of ['anyOf', 'oneOf', 'allOf']) {
    ((node[k] ?? []) as unknown[]).forEach((v, i) => sub(v, `${ptr}/${k}/${i}`));
  }
  return out;
}

/**
 * schema/server.schema.json, the server configuration file's schema, judged
 * the same way: python3-jsonschema accepts the example file and the docs'
 * examples, refuses the deliberately wrong files as mailns does, and finds
 * every default and example valid where it is written.
 */
const SERVER = 'schema/server.schema.json';
const server = JSON.parse(readFileSync(SERVER, 'utf8')) as Schema;
const SERVER_INVALID: Record<string, string> = {
  'a typo in a key': 'lisen: [127.0.0.1:53]\n',
  'listen as one string': 'listen: 127.0.0.1:53\n',
  'an unknown log level': 'log-level: chatty\n',
  'a TCP idle timeout of 0': 'tcp: {idle-timeout: 0}\n',
  'a typo in tcp': 'tcp: {max-conections: 10}\n',
  'watch: yes (text in YAML 1.2)': 'watch: yes\n',
  'a key in transfer that is none': 'transfer: {allow: [192.0.2.1], key: [x.]}\n',
  'notify as a list': 'notify: [192.0.2.54]\n',
};
const SERVER_VALID = ['contrib/mailns.conf.yaml'];

describe.skipIf(!haveTools)('the server schema, by python3-jsonschema', () => {
  const docs = Object.entries(SERVER_INVALID).map(([name, text]) => ({ name, text }));
  const { check, result } = judged(SERVER, SERVER_VALID, docs);

  it('is draft 7, judged by Draft7Validator, and accepts the example file', () => {
    expect(server.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(check.validator).toBe('Draft7Validator');
    for (const f of SERVER_VALID) expect(result(f).errors, f).toEqual([]);
  });

  it('refuses each deliberately wrong file, and so does mailns', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailns-server-schema-'));
    try {
      for (const [name, text] of Object.entries(SERVER_INVALID)) {
        expect(result(name).errors.length, name).toBeGreaterThan(0);
        writeFileSync(join(dir, 'c.yaml'), text);
        expect(readServerConfig(join(dir, 'c.yaml')).problems.filter((p) => p.rule === 'schema').length, name).toBeGreaterThan(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has defaults and examples that are valid where they are written', () => {
    expect(check.samples.checked).toBeGreaterThanOrEqual(30);
    expect(check.samples.invalid).toEqual([]);
  });
});

describe('the server schema, for editors', () => {
  it('has an $id and a title, and describes every property', () => {
    expect(server.$id).toMatch(/\/schema\/server\.schema\.json$/);
    expect(server.title).toBeTruthy();
    expect(walk(server, '#')).toEqual([]);
    expect(described).toContain('#/properties/tcp/properties/idle-timeout');
  });
});
