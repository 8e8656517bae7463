/**
 * The server configuration file (`--config FILE`, schema/server.schema.json):
 * the server-wide settings of `mailns serve` in one YAML file, read with
 * source positions and checked as a zone file is (the JSON Schema by ajv,
 * then what a schema cannot see: addresses, ports, CIDRs, key files, key
 * names), every finding at once with `file:line:col`. What it produces is
 * the record of flag values the command line would give (`listen`,
 * `tsig-key`, `allow-transfer`, ...), so the flags and the file meet in one
 * place and a flag given overrides its key. Relative paths are relative to
 * the file's directory, as NSD's and Knot's are to theirs.
 */
import { dirname, isAbsolute, join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import schema from '../../schema/server.schema.json' with { type: 'json' };
import { closest } from '../util/closest.js';
import { NAME_HINT, nameKey, parseZoneName } from '../util/name.js';
import { type At, type Problem, problem, sortProblems } from '../util/problem.js';
import { parseSize } from '../util/size.js';
import { parseNotifyTarget, parseSocket } from '../util/socket.js';
import { parseDuration } from '../util/ttl.js';
import { parseCidr } from '../wire/address.js';
import { schemaProblems } from './schema.js';
import { readYaml, type Path, type YamlSource } from './source.js';
import { readKeyFile } from './tsig-keys.js';

/** Flag values as the command line's parser gives them: text, booleans, lists of text. */
export type FlagValues = Record<string, string | boolean | string[]>;

export interface ServerConfig {
  file: string;
  /** The settings as serve flags (flag name → value), paths made relative to the current directory; keys with errors are left out. */
  values: FlagValues;
  /** `zones:` (or the file's directory's `zones`), for a command line that names no DIR|FILE. */
  zones: string[];
  problems: Problem[];
  /** Where a key (`['transfer', 'keys', 0]`) is written; the top of the file for one that is not. */
  at(path: Path, key?: boolean): At;
}

/**
 * Each key of the file and the serve flag it stands for. One table: a new
 * server-wide flag (the IXFR journal's limits, say) is one more line here
 * and one property in the schema. `path`: a file name, relative to the
 * configuration file; numbers become the text a flag would be.
 */
export const CONFIG_FLAGS: readonly { key: readonly string[]; flag: string; path?: boolean }[] = [
  { key: ['listen'], flag: 'listen' },
  { key: ['log-level'], flag: 'log-level' },
  { key: ['log-format'], flag: 'log-format' },
  { key: ['identity'], flag: 'identity' },
  { key: ['hide-version'], flag: 'hide-version' },
  { key: ['tcp', 'idle-timeout'], flag: 'tcp-idle-timeout' },
  { key: ['tcp', 'max-connections'], flag: 'tcp-max-connections' },
  { key: ['tcp', 'io-timeout'], flag: 'tcp-io-timeout' },
  { key: ['tcp', 'max-per-client'], flag: 'tcp-max-per-client' },
  { key: ['rrl', 'rate'], flag: 'rrl-rate' },
  { key: ['rrl', 'slip'], flag: 'rrl-slip' },
  { key: ['rrl', 'exempt'], flag: 'rrl-exempt' },
  { key: ['metrics'], flag: 'metrics' },
  { key: ['state-dir'], flag: 'state-dir', path: true },
  { key: ['watch'], flag: 'watch' },
  { key: ['user'], flag: 'user' },
  { key: ['catalog'], flag: 'catalog' },
  { key: ['ixfr-journal', 'max-size'], flag: 'ixfr-journal-max-size' },
  { key: ['ixfr-journal', 'max-age'], flag: 'ixfr-journal-max-age' },
  { key: ['tsig-keys'], flag: 'tsig-key', path: true },
  { key: ['transfer', 'allow'], flag: 'allow-transfer' },
  { key: ['transfer', 'keys'], flag: 'allow-transfer-key' },
  { key: ['notify', 'targets'], flag: 'notify' },
  { key: ['notify', 'key'], flag: 'notify-key' },
];

let validate: ValidateFunction | undefined;

/** The compiled server schema, with the zone schema's options (verbose: the did-you-mean reads the allowed keys off it). */
function serverValidator(): ValidateFunction {
  return (validate ??= new Ajv({ allErrors: true, strict: false, verbose: true }).compile(schema));
}

const KIND = { noun: 'the configuration file', hint: 'give --config the path of a YAML file (e.g. /etc/mailns/mailns.conf.yaml)' };

/** Reads and checks a configuration file; `problems` holds every finding, and `values` what is right. */
export function readServerConfig(file: string): ServerConfig {
  const base = dirname(file);
  const resolvePath = (p: string) => (isAbsolute(p) ? p : join(base, p));
  const empty = (problems: Problem[], at: (path: Path) => At = () => ({ file, line: 1, col: 1 })): ServerConfig => ({ file, values: {}, zones: [resolvePath('zones')], problems, at });
  const read = readYaml(file, file, KIND);
  if (!read.source) {
    const p = read.problems.map((x) => (x.rule === 'read' && /ENOENT/.test(x.message) ? { ...x, message: `${file}: no such file` } : x));
    return empty(p);
  }
  const src = read.source;
  const problems = [...read.problems];
  // An empty file is a configuration of defaults.
  const data = (src.data ?? {}) as unknown;
  if (!isObj(data)) {
    problems.push(problem(src.at([]), 'schema', 'a configuration file is a YAML mapping (zones:, listen:, tsig-keys:, transfer:, ...)'));
    return empty(problems, src.at);
  }
  const v = serverValidator();
  // A value of the wrong pattern gets the precise finding of the checks below, not "must match pattern".
  const errors = v(data) ? [] : (v.errors ?? []).filter((e) => e.keyword !== 'pattern');
  problems.push(...schemaProblems(src, errors));
  const bad = semanticChecks(src, data, resolvePath, problems);
  // A key with a finding at or below it stands for no flag value.
  const ok = (path: readonly string[]) => !refused(path, errors) && !bad.some((b) => path.every((k, i) => b[i] === k));
  const values: FlagValues = {};
  for (const { key, flag, path } of CONFIG_FLAGS) {
    const value = valueAt(data, key);
    if (value === undefined || !ok(key)) continue;
    if (Array.isArray(value)) values[flag] = value.map((x) => (path ? resolvePath(String(x)) : String(x)));
    else if (typeof value === 'boolean') values[flag] = value;
    else values[flag] = path ? resolvePath(String(value)) : String(value);
  }
  const zones = Array.isArray(data.zones) && ok(['zones']) ? data.zones.map((z) => resolvePath(String(z))) : [resolvePath('zones')];
  return { file, values, zones, problems: sortProblems(problems), at: src.at };
}

/** Whether the schema refused the value at `path`, or something inside it. */
function refused(path: readonly string[], errors: readonly ErrorObject[]): boolean {
  const ptr = path.map((k) => `/${k}`).join('');
  return errors.some((e) => {
    const at = e.keyword === 'additionalProperties' ? `${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty}` : e.instancePath;
    return at === ptr || at.startsWith(`${ptr}/`) || (ptr.startsWith(`${at}/`) && e.keyword !== 'additionalProperties' && e.keyword !== 'required');
  });
}

function valueAt(data: Record<string, unknown>, key: readonly string[]): unknown {
  let v: unknown = data;
  for (const k of key) v = isObj(v) ? v[k] : undefined;
  return v;
}

/** What the IXFR journal's bounds accept, for the flag's and the file's findings alike. */
export const SIZE_EXPECTED = 'expected octets, or a number with k, M or G (e.g. 4M)';
export const DURATION_EXPECTED = 'expected seconds or a duration such as 7d, 12h, 1w';

const strings = (v: unknown): [string, number][] => (Array.isArray(v) ? v.flatMap((x, i): [string, number][] => (typeof x === 'string' ? [[x, i]] : [])) : []);

/** What the schema cannot say: addresses and ports, CIDRs, the catalog's name, key files that read, key names that exist; returns the paths found wrong. */
function semanticChecks(src: YamlSource, data: Record<string, unknown>, resolvePath: (p: string) => string, problems: Problem[]): Path[] {
  const bad: Path[] = [];
  const add = (path: Path, rule: string, message: string, hint?: string) => { bad.push(path); problems.push(problem(src.at(path), rule, message, hint)); };
  for (const [s, i] of strings(data.listen)) {
    const r = parseSocket(s, 53);
    if ('error' in r) add(['listen', i], 'listen', `listen "${s}": ${r.error}`, 'write ADDRESS:PORT, e.g. 0.0.0.0:53, or [::]:53 for IPv6');
  }
  if (typeof data.metrics === 'string') {
    const r = parseSocket(data.metrics, 9153);
    if ('error' in r) add(['metrics'], 'metrics', `metrics "${data.metrics}": ${r.error}`, 'write ADDRESS:PORT, e.g. 127.0.0.1:9153');
  }
  const journal = isObj(data['ixfr-journal']) ? data['ixfr-journal'] : {};
  const size = journal['max-size'], age = journal['max-age'];
  if ((typeof size === 'string' || typeof size === 'number') && parseSize(size) === undefined) add(['ixfr-journal', 'max-size'], 'ixfr-journal', `max-size "${size}": ${SIZE_EXPECTED}`);
  if ((typeof age === 'string' || typeof age === 'number') && parseDuration(age) === undefined) add(['ixfr-journal', 'max-age'], 'ixfr-journal', `max-age "${age}": ${DURATION_EXPECTED}`);
  if (typeof data.catalog === 'string') {
    try {
      if (!parseZoneName(data.catalog).length) add(['catalog'], 'name', 'the root cannot be a catalog', 'name a zone outside every zone served, e.g. catalog.invalid.');
    } catch (e) {
      add(['catalog'], 'name', `catalog "${data.catalog}": ${(e as Error).message}`, NAME_HINT);
    }
  }
  // The keys, for the key names below: every file read (each key file's own mistakes at their own place).
  const keys = new Map<string, string>();
  // A key file that cannot be read leaves its keys unknown: the names are not judged then (one finding, not a cascade).
  let allRead = true;
  for (const [f, i] of strings(data['tsig-keys'])) {
    const path = resolvePath(f);
    const r = readKeyFile(path);
    if (r.unread) { allRead = false; add(['tsig-keys', i], 'tsig-key', `tsig-keys "${f}": ${r.unread}`, 'give the path of a key file (mailns tsig keygen NAME writes one), relative to this file'); continue; }
    problems.push(...r.problems);
    if (r.problems.some((p) => p.severity === 'error')) { allRead = false; bad.push(['tsig-keys', i]); }
    for (const k of r.keys) {
      const name = nameKey(k.name);
      if (keys.has(name)) add(['tsig-keys', i], 'tsig-key', `the key ${name} of ${f} is also in ${keys.get(name)}`, 'each key name once: remove one of them');
      else keys.set(name, f);
    }
  }
  for (const [a, i] of strings(isObj(data.transfer) ? data.transfer.allow : undefined)) {
    const c = parseCidr(a);
    if ('error' in c) add(['transfer', 'allow', i], 'transfer', c.error, 'write an address (192.0.2.53) or a network (198.51.100.0/24, 2001:db8::/32)');
  }
  const keyName = (path: Path, text: string) => {
    let name: string;
    try { name = nameKey(parseZoneName(text)); } catch (e) {
      add(path, 'name', `key "${text}": ${(e as Error).message}`, NAME_HINT);
      return;
    }
    if (keys.has(name) || !allRead) return;
    const meant = closest(name, keys.keys());
    const known = keys.size ? `the keys of tsig-keys: ${[...keys.keys()].join(', ')}` : 'add the key file that holds it to tsig-keys:';
    add(path, 'tsig-key-unknown', `key "${text}" is in none of the tsig-keys files`, meant ? `did you mean "${meant}"? ${known}` : known);
  };
  for (const [k, i] of strings(isObj(data.transfer) ? data.transfer.keys : undefined)) keyName(['transfer', 'keys', i], k);
  const notify = isObj(data.notify) ? data.notify : {};
  for (const [t, i] of strings(notify.targets)) {
    const r = parseNotifyTarget(t);
    if ('error' in r) add(['notify', 'targets', i], 'notify', `notify target "${t}": ${r.error}`, 'write ADDRESS or ADDRESS@PORT, e.g. 192.0.2.54 or 2001:db8::54@5300');
  }
  if (typeof notify.key === 'string') {
    keyName(['notify', 'key'], notify.key);
    if (!strings(notify.targets).length) add(['notify', 'key'], 'notify', 'notify.key signs the NOTIFYs to notify.targets, and there is none', 'add targets: [ADDRESS, ...] beside key:, or remove key:');
  }
  return bad;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
