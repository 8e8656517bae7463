/**
 * Generators of zone-file input for the loader's property test
 * (test/config/loader.property.test.ts): the example zones and fixtures as
 * seeds, mutated as data and as text; zones shaped by the JSON Schema; raw
 * and broken YAML; and names of every kind for every field that holds one.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import schema from '../../schema/zone.schema.json' with { type: 'json' };

/** One case: file name → YAML text, loaded together. */
export type Files = Record<string, string>;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

// ---------------------------------------------------------------- seeds

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return f.endsWith('.yaml') ? [p] : [];
  });
}

/** Files that load together: a fixture directory, or the shipped zones. */
export const SEED_GROUPS: Files[] = (() => {
  const byDir = new Map<string, Files>();
  for (const root of ['zones', 'test/fixtures']) {
    for (const p of yamlFiles(root)) {
      const dir = p.slice(0, p.length - basename(p).length);
      const g = byDir.get(dir) ?? {};
      g[basename(p)] = readFileSync(p, 'utf8');
      byDir.set(dir, g);
    }
  }
  return [...byDir.values()];
})();

// ---------------------------------------------------------------- names

/** Pieces that names are made of: ordinary, IDNA, escapes, and what URL parsing or zone files treat specially. */
const LABEL_PIECES = [
  'mail', 'www', 'ns1', 'a', 'example', 'com', 'test', '_dmarc', '_domainkey', '*', 'xn--bcher-kva', 'xn--', 'xn--ä',
  'bücher', 'ä', 'Ä', '日本', 'ß', 'ς', 'ﬁ', '①', 'Ａ', 'İ', '\u200d', '\u200c', '\u0301', '\u00ad', '\u0627', '\u05d0', '\u{1F600}', '\ud800',
  '-', '_', '@', '$', '/', ':', '%', '%41', '#', '?', '&', '=', '+', ',', '[', ']', '{', '}', '<', '>', '|', '^', '~', '!', "'", '"', '(', ')', ';',
  ' ', '\t', '\n', '\u0000', '\u007f', '\u00a0', '\u3000', '。', '．', '｡', '⒈', '\u2024', '／', '：',
  '\\.', '\\\\', '\\065', '\\000', '\\255', '\\256', '\\1', '\\1x', '\\', '\\ä',
  '64/26', '128-26', '0', '1', '255', '256', 'in-addr', 'arpa', 'ip6', '{dashed}', 'ip-{dashed}',
  'x'.repeat(63), 'x'.repeat(64), 'ä'.repeat(30),
];

const labelArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...LABEL_PIECES) },
  { weight: 3, arbitrary: fc.array(fc.constantFrom(...LABEL_PIECES), { minLength: 1, maxLength: 4 }).map((a) => a.join('')) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }) },
);

/** Text written where a name is expected: valid or not, relative or absolute. */
export const nameArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.array(labelArb, { minLength: 1, maxLength: 5 }), fc.boolean()).map(([ls, abs]) => ls.join('.') + (abs ? '.' : '')) },
  { weight: 2, arbitrary: fc.constantFrom('@', '.', '', '..', 'a..b.', '.a.', 'a.', 'example.com', 'example.com.', 'mail', 'localhost', '\\@', '*.', '*.*', 'a.*.b') },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 140 }).map((n) => Array.from({ length: n }, () => 'a').join('.') + '.') },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
);

/** Addresses and networks, with the mistakes people make. */
const addressArb = fc.oneof(
  fc.ipV4(), fc.ipV6(),
  fc.constantFrom('192.0.2.300', '192.0.2', '1.2.3.4.5', '::', '::ffff:192.0.2.1', '2001:db8::g', '01.02.03.04', '', ' 192.0.2.1', 'fe80::1%eth0', '2001:db8::/48'),
);
const networkArb = fc.oneof(
  fc.tuple(addressArb, fc.integer({ min: -1, max: 140 })).map(([a, p]) => `${a}/${p}`),
  fc.constantFrom('192.0.2.0/24', '192.0.2.64/26', '192.0.2.128/25', '192.0.2.0/23', '10.0.0.0/8', '198.51.100.0/22', '2001:db8::/48', '2001:db8::/47',
    '2001:db8::/128', '192.0.2.1/32', '0.0.0.0/0', '192.0.2.0', '192.0.2.0/024', '192.0.2.0/24 ', 'x/24', '/24'),
  addressArb,
);

// ---------------------------------------------------------------- values

const STRINGS = ['', ' ', 'none', 'off', 'on', 'true', 'null', '~', '-1', '0', '1h', '5x', '1w2d', '999999999999999999999', 'v=spf1 -all',
  'mailto:a@example.com', 'mailto:', 'https://x/', '\\# 2 0102', '\\#', '10 mail', '0 issue "x"', '3 1 1 ab', 'a'.repeat(300), '日本語', '\u0000', '\ud800',
  'ip-{dashed}.pool.', '{dashed}', 'keys/x.pem', '.', '..', '/', 'é\\.x'];

const leafArb: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1, 25, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 1e21, 1.5, -0, Number.MAX_SAFE_INTEGER + 2),
  fc.constantFrom(NaN, Infinity, -Infinity) as fc.Arbitrary<Json>,
  fc.constantFrom<Json>(...STRINGS),
  nameArb, networkArb,
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.integer(), fc.double(),
);

/** Random JSON-like values, sometimes nested very deep. */
export const valueArb: fc.Arbitrary<Json> = fc.oneof(
  { weight: 6, arbitrary: leafArb },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 5, max: 80 }), leafArb, fc.boolean()).map(([n, v, arr]) => { let x: Json = v; for (let i = 0; i < n; i++) x = arr ? [x] : { k: x }; return x; }) },
);

// ---------------------------------------------------------------- mutated seeds

type Op = 'delete' | 'replace' | 'wrap' | 'unwrap' | 'toScalar' | 'toList' | 'renameKey' | 'addKey' | 'emptyObj' | 'emptyList' | 'duplicate';
const OPS: Op[] = ['delete', 'replace', 'replace', 'replace', 'wrap', 'unwrap', 'toScalar', 'toList', 'renameKey', 'addKey', 'emptyObj', 'emptyList', 'duplicate'];
interface Mutation { walk: number[]; op: Op; value: Json; key: string }
const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  walk: fc.array(fc.nat(), { maxLength: 7 }),
  op: fc.constantFrom(...OPS),
  value: valueArb,
  key: fc.oneof(fc.constantFrom('zone', 'hosts', 'records', 'mail', 'reverse', 'type', 'value', 'values', 'ttl', 'ipv4', 'ipv6', 'network', 'from', 'ptr', 'generic', 'delegate', 'name', '', '<<', '__proto__', 'constructor', 'toString'), nameArb),
});

const isObj = (v: unknown): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Applies one mutation at the node that `walk` leads to (each step picks a child by index, modulo). */
function mutate(root: Json, m: Mutation): Json {
  const holder: { [k: string]: Json } = { root };
  let parent: Json[] | { [k: string]: Json } = holder;
  let key: string | number = 'root';
  for (const step of m.walk) {
    const node: Json = (parent as Record<string | number, Json>)[key]!;
    if (Array.isArray(node) && node.length) { parent = node; key = step % node.length; }
    else if (isObj(node) && Object.keys(node).length) { parent = node; key = Object.keys(node)[step % Object.keys(node).length]!; }
    else break;
  }
  const p = parent as Record<string | number, Json>;
  const cur = p[key]!;
  switch (m.op) {
    case 'delete': if (Array.isArray(parent)) parent.splice(key as number, 1); else delete p[key]; break;
    case 'replace': p[key] = m.value; break;
    case 'wrap': p[key] = [cur]; break;
    case 'unwrap': p[key] = Array.isArray(cur) ? (cur[0] ?? null) : isObj(cur) ? (Object.values(cur)[0] ?? null) : cur; break;
    case 'toScalar': p[key] = Array.isArray(cur) || isObj(cur) ? JSON.stringify(cur) : String(cur); break;
    case 'toList': p[key] = isObj(cur) ? Object.entries(cur).map(([k, v]) => ({ [k]: v })) : [cur, cur]; break;
    case 'renameKey': if (!Array.isArray(parent)) { delete p[key]; p[m.key] = cur; } break;
    case 'addKey': if (isObj(cur)) cur[m.key] = m.value; else if (Array.isArray(cur)) cur.push(m.value); break;
    case 'emptyObj': p[key] = {}; break;
    case 'emptyList': p[key] = []; break;
    case 'duplicate': if (Array.isArray(parent)) parent.push(structuredClone(cur)); else p[`${String(key)}-2`] = structuredClone(cur); break;
  }
  return holder.root!;
}

function dump(doc: Json): string {
  try { return stringify(doc, { aliasDuplicateObjects: false, lineWidth: 0 }) ?? ''; } catch { return String(doc); }
}

/** The seeds' data, parsed once. */
const SEED_DATA: Record<string, Json>[] = SEED_GROUPS.map((g) => Object.fromEntries(Object.entries(g).map(([n, t]) => [n, parse(t) as Json])));

/** A seed group with one or more of its files' data mutated. */
export const mutatedArb: fc.Arbitrary<Files> = fc.tuple(fc.nat(SEED_GROUPS.length - 1), fc.array(fc.tuple(fc.nat(), fc.array(mutationArb, { minLength: 1, maxLength: 5 })), { minLength: 1, maxLength: 2 }))
  .map(([g, edits]) => {
    const files = { ...SEED_GROUPS[g]! };
    const names = Object.keys(files);
    const docs = new Map<string, Json>();
    for (const [f, ms] of edits) {
      const name = names[f % names.length]!;
      let doc: Json = docs.get(name) ?? structuredClone(SEED_DATA[g]![name]!);
      for (const m of ms) doc = mutate(doc, m);
      docs.set(name, doc);
    }
    for (const [name, doc] of docs) files[name] = dump(doc);
    return files;
  });

// ---------------------------------------------------------------- from the schema

type SchemaNode = { type?: string | string[]; properties?: Record<string, SchemaNode>; additionalProperties?: boolean | SchemaNode; items?: SchemaNode;
  enum?: Json[]; const?: Json; $ref?: string; oneOf?: SchemaNode[]; anyOf?: SchemaNode[]; required?: string[]; pattern?: string };
const DEFS = (schema as unknown as { definitions: Record<string, SchemaNode> }).definitions;

/** A value of the shape `node` describes (depth-limited), with random strings and names where the schema says string. */
function fromSchema(node: SchemaNode, depth: number): fc.Arbitrary<Json> {
  if (node.$ref) return fromSchema(DEFS[node.$ref.replace('#/definitions/', '')]!, depth);
  if (node.enum) return fc.constantFrom(...node.enum);
  if (node.const !== undefined) return fc.constant(node.const);
  const alts = node.oneOf ?? node.anyOf;
  if (alts) return fc.oneof(...alts.map((a) => fromSchema(a, depth)));
  if (depth > 5) return leafArb;
  const type = Array.isArray(node.type) ? node.type[0] : node.type;
  switch (type) {
    case 'object': {
      const props = Object.entries(node.properties ?? {}).map(([k, v]) => fc.option(fromSchema(v, depth + 1), { nil: undefined, freq: 2 }).map((x) => [k, x] as const));
      const extra = isObj(node.additionalProperties as unknown)
        ? fc.dictionary(nameArb, fromSchema(node.additionalProperties as SchemaNode, depth + 1), { maxKeys: 3 })
        : fc.constant({});
      return fc.tuple(fc.tuple(...props), extra).map(([ps, ex]) => {
        const o: Record<string, Json> = { ...(ex as Record<string, Json>) };
        for (const [k, v] of ps) if (v !== undefined) o[k] = v;
        return o;
      });
    }
    case 'array': return fc.array(node.items ? fromSchema(node.items, depth + 1) : leafArb, { maxLength: 3 });
    case 'string': return fc.oneof(nameArb, networkArb, addressArb, fc.constantFrom(...STRINGS));
    case 'integer': return fc.oneof(fc.integer({ min: -1, max: 70000 }), fc.constantFrom(2 ** 31, 2 ** 32, 4294967296));
    case 'number': return fc.oneof(fc.integer(), fc.double());
    case 'boolean': return fc.boolean();
    default: return leafArb;
  }
}

/** A zone file with every key the schema knows, filled at random (mostly the right shapes). */
export const schemaArb: fc.Arbitrary<Files> = fc.tuple(fromSchema(schema as unknown as SchemaNode, 0), fc.boolean()).map(([doc, base]) => {
  // Half of them on a sound base (zone, nameservers), so that later stages run more often than not.
  if (base && isObj(doc)) Object.assign(doc, { zone: 'gen.test.', nameservers: ['ns1.example.net.', 'ns2.example.net.'] });
  return { 'gen.test.yaml': dump(doc) };
});

// ---------------------------------------------------------------- raw text

const TOKENS = ['zone:', 'hosts:', 'records:', 'mail:', 'reverse:', 'nameservers:', 'soa:', 'defaults:', 'ttl:', 'type:', 'value:', 'network:', 'from:',
  ' ', '  ', '\n', '\n  ', '\t', '\r\n', '-', '- ', ':', ': ', '{', '}', '[', ']', ',', '&a ', '*a', '<<: *a', '&b [*a, *a, *a]', '!!binary ', '!!set ',
  '!!str ', '!!int ', '!!float ', '!!map ', '!!seq ', '!foo ', '!<tag:yaml.org,2002:str> ', '? ', '|', '|-', '>', '"', "'", '#', '%YAML 1.1\n', '%YAML 1.2\n',
  '%TAG ! tag:x,2000:\n', '---\n', '...\n', '1e400', '-1e400', '0x1F', '0o17', '0b101', '.nan', '.inf', '99999999999999999999999', '1_000', '2026-01-01', '~',
  'null', 'yes', 'no', 'on', 'off', '\\', '\\u0000', '"\\ud800"', '"\\x00"', 'ä', '日本', '\u0000', '\ufeff', '\u2028', 'mail', 'example.com.', '192.0.2.1',
  '2001:db8::1', "'@'", '@', '`', '%', '{a: 1, a: 2}', '[[[[[[[[[[', ']]]]]]]]]]'];

/** Aliases that expand a little text into a great deal of data (the "billion laughs"). */
const bombArb = fc.integer({ min: 2, max: 12 }).map((n) => {
  let s = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
  for (let i = 1; i < n; i++) s += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
  return `zone: t.test.\nnameservers: [ns1.example.net., ns2.example.net.]\nlint: {ignore: *a${n - 1}}\n${s}`;
});

type LineEdit = { at: number; op: 'delete' | 'dup' | 'insert' | 'char' | 'tab' | 'cut'; text: string };
const lineEditArb: fc.Arbitrary<LineEdit> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('delete', 'dup', 'insert', 'char', 'tab', 'cut'),
  text: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ unit: 'binary', maxLength: 6 })),
});

function editText(text: string, edits: LineEdit[]): string {
  let lines = text.split('\n');
  for (const e of edits) {
    if (!lines.length) break;
    const i = e.at % lines.length;
    const l = lines[i]!;
    const c = l.length ? e.at % l.length : 0;
    switch (e.op) {
      case 'delete': lines.splice(i, 1); break;
      case 'dup': lines.splice(i, 0, l); break;
      case 'insert': lines.splice(i, 0, e.text); break;
      case 'char': lines[i] = l.slice(0, c) + e.text + l.slice(c + 1); break;
      case 'tab': lines[i] = '\t' + l; break;
      case 'cut': lines = lines.slice(0, i).concat(l.slice(0, c)); break;
    }
  }
  return lines.join('\n');
}

/** Text that is barely or not at all YAML, in one file beside a good zone, or alone. */
export const rawArb: fc.Arbitrary<Files> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.nat(SEED_GROUPS.length - 1), fc.nat(), fc.array(lineEditArb, { minLength: 1, maxLength: 6 })).map(([g, f, edits]) => {
    const files = { ...SEED_GROUPS[g]! };
    const name = Object.keys(files)[f % Object.keys(files).length]!;
    files[name] = editText(files[name]!, edits);
    return files;
  }) },
  { weight: 2, arbitrary: fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((t) => ({ 'raw.test.yaml': t.join('') })) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }).map((t) => ({ 'raw.test.yaml': t })) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 200 }).map((t) => ({ 'raw.test.yaml': t })) },
  { weight: 1, arbitrary: bombArb.map((t) => ({ 'bomb.test.yaml': t })) },
);

// ---------------------------------------------------------------- names in every field

/** Mostly the default (so later stages run), sometimes a random name. */
const maybe = (dflt: string) => fc.oneof({ weight: 3, arbitrary: fc.constant(dflt) }, { weight: 1, arbitrary: nameArb });
const ED25519 = 'MCowBQYDK2VwAyEANig5Kz177dzKrvnTas2gT/9wsuvRHWNFN+Or71TLrJA=';

/** A zone that uses every field holding a name (and a reverse file), a few of them replaced by random names. */
export const namesArb: fc.Arbitrary<Files> = fc.record({
  zone: maybe('t.test.'), ns1: maybe('ns1.t.test.'), ns2: maybe('ns2.example.net.'), mname: maybe('ns1'), rlocal: maybe('hostmaster'), rdomain: maybe('t.test'),
  host1: maybe('mail'), host2: maybe('www'), host3: maybe('ns1'), rec1: maybe('alias'), cname: maybe('www'), mx: maybe('mail'), nsKey: maybe('sub'), nsTarget: maybe('ns.sub.t.test.'),
  srvKey: maybe('_imaps._tcp'), srvTarget: maybe('mail'), ptrRec: maybe('gw.t.test.'), mailMx: maybe('mail'), spfHost: maybe('mail'), spfInclude: maybe('_spf.example.net'),
  selector: maybe('sel2026'), ruaDomain: maybe('t.test'), srvHost: maybe('mail'), autoconfig: maybe('mail'), stsHost: maybe('www'), stsMx: maybe('mail.t.test'),
  tlsrpt: maybe('t.test'), tlsaHost: maybe('mail'), caa: maybe('letsencrypt.org'), from: maybe('t.test.'), revZone: maybe('64/26.2.0.192.in-addr.arpa.'),
  ptrTarget: maybe('gw'), ptrAddr: fc.oneof({ weight: 3, arbitrary: fc.constant('192.0.2.1') }, { weight: 1, arbitrary: addressArb }),
  delegNs: maybe('ns1.customer.example.'), delegZone: maybe('128-26'), generic: maybe('ip-{dashed}.pool'), generic6: maybe('ip6-{dashed}.pool.t.test.'),
  net4: fc.oneof({ weight: 3, arbitrary: fc.constant('192.0.2.0/24') }, { weight: 1, arbitrary: networkArb }),
  net6: fc.oneof({ weight: 3, arbitrary: fc.constant('2001:db8:1234::/48') }, { weight: 1, arbitrary: networkArb }),
  classless: fc.oneof({ weight: 3, arbitrary: fc.constant('192.0.2.64/26') }, { weight: 1, arbitrary: networkArb }),
  revOnlyNs: maybe('ns1.t.test.'), revOnlyPtr: maybe('mail.t.test.'), revOnlyFrom: maybe('t.test'),
}).map((n) => {
  const zone = {
    zone: n.zone,
    soa: { mname: n.mname, rname: `${n.rlocal}@${n.rdomain}`, serial: 2026020201 },
    nameservers: [n.ns1, n.ns2],
    hosts: {
      [n.host1]: { ipv4: '192.0.2.25', ipv6: '2001:db8:1234::25', ptr: 'primary' },
      [n.host2]: { ipv4: ['192.0.2.80', '192.0.2.65'] },
      [n.host3]: { ipv4: '192.0.2.53' },
      smtp: { ipv4: '192.0.2.25' },
    },
    records: {
      [n.rec1]: { type: 'CNAME', value: n.cname },
      mx: { type: 'MX', value: `10 ${n.mx}` },
      [n.nsKey]: { type: 'NS', values: [n.nsTarget, 'ns.other.example.'] },
      'ns.sub': { type: 'A', value: '192.0.2.200' },
      [n.srvKey]: { type: 'SRV', value: { priority: 0, weight: 1, port: 993, target: n.srvTarget } },
      ptr: { type: 'PTR', value: n.ptrRec },
    },
    mail: {
      mx: [{ host: n.mailMx, preference: 10 }, 'mx2.example.net.'],
      spf: { hosts: [n.spfHost], include: [n.spfInclude], all: 'fail' },
      dkim: { [n.selector]: { key: ED25519 } },
      dmarc: { p: 'reject', rua: [`mailto:dmarc@${n.ruaDomain}`] },
      client_srv: { submissions: { host: n.srvHost, port: 465 }, imaps: n.srvHost },
      autoconfig: { host: n.autoconfig },
      mta_sts: { mode: 'enforce', max_age: '1w', host: n.stsHost, mx: [n.stsMx] },
      tls_rpt: { rua: [`mailto:tlsrpt@${n.tlsrpt}`] },
    },
    caa: { issue: [n.caa], iodef: `mailto:security@${n.rdomain}` },
    tlsa: { [n.tlsaHost]: { ports: [25], records: [{ usage: 3, selector: 1, matching: 1, data: 'ab'.repeat(32) }] } },
    reverse: [
      { network: n.net4, from: [n.from], ptr: { [n.ptrAddr]: n.ptrTarget }, generic: { name: n.generic, forward: true },
        delegate: { '192.0.2.128/26': { nameservers: [n.delegNs], zone: n.delegZone }, '192.0.2.192/27': [n.delegNs] } },
      { network: n.classless, zone: n.revZone },
      { network: n.net6, generic: { name: n.generic6, forward: true } },
    ],
  };
  // A file with only reverse: (no zone of its own): its names are absolute.
  const revOnly = {
    soa: { rname: `hostmaster@${n.rdomain}`, serial: 1 },
    nameservers: [n.revOnlyNs, 'ns2.example.net.'],
    reverse: [{ network: '198.51.100.0/24', from: [n.revOnlyFrom], ptr: { '198.51.100.1': n.revOnlyPtr } }],
  };
  return { 't.test.yaml': dump(zone as unknown as Json), 'rev.yaml': dump(revOnly as unknown as Json) };
});

