/**
 * The validated model of one zone: JSON Schema first (ajv, every error at
 * once), then the semantic checks the schema cannot express (names, TTLs,
 * addresses). Record RDATA is checked in synth, where it is encoded.
 */
import { isIP } from 'node:net';
import { basename, dirname, resolve } from 'node:path';
import type { ErrorObject } from 'ajv';
import { type Name, NAME_HINT, NameError, isSubdomain, lowerName, nameKey, nameToText, parseName, parseZoneName } from '../util/name.js';
import { parseCidr } from '../wire/address.js';
import { parseNotifyTarget, type SocketAddress } from '../util/socket.js';
import { type At, type Problem, problem } from '../util/problem.js';
import { parseDuration, MAX_TTL } from '../util/ttl.js';
import { type Path, type YamlSource, readRegularFile } from './source.js';
import { schemaProblems, validateZone } from './schema.js';
import type { CaaIntent, MailIntent, ReverseIntent, TlsaIntent } from './intent.js';

export interface SoaModel {
  mname: Name;
  rname: Name;
  /** `auto` (the default): the loader gives the serial that moves with the content (src/zone/serial.ts). */
  serial: number | 'auto';
  /** Where the serial is written (the soa: block, or zone:, when it is not). */
  serialAt: At;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
  ttl: number;
  at: At;
}

export interface HostModel {
  owner: Name;
  ipv4: { address: string; at: At }[];
  ipv6: { address: string; at: At }[];
  ttl: number;
  at: At;
  /** Some address was wrong (and reported); later checks should not pile on. */
  invalid?: boolean;
  /** `ptr: primary` wins a shared address; `ptr: none` asks for no PTR. */
  ptr?: 'primary' | 'none';
}

/** A record as written: RDATA still text (tokens) or an octoDNS object. */
export interface RecordModel {
  owner: Name;
  type: string;
  ttl: number;
  values: { value: unknown; at: At }[];
  at: At;
}

export interface ZoneModel {
  file: string;
  origin: Name;
  ttl: number;
  soa: SoaModel;
  nameservers: { name: Name; at: At }[];
  hosts: HostModel[];
  records: RecordModel[];
  mail?: MailIntent;
  caa?: CaaIntent;
  tlsa?: Record<string, TlsaIntent>;
  /** One per entry of reverse:, in file order; undefined where the schema refused the entry (its errors are reported). */
  reverse?: (ReverseIntent | undefined)[];
  lint?: { ignore?: Record<string, string> };
  /** `transfer:` as written and checked: CIDR texts and key names (nameKey); undefined without the key. */
  transfer?: { allow: string[]; keys: string[] };
  /** `notify:` as written and checked: the targets (ADDRESS[@PORT]) and the key's name (nameKey); undefined without the key. */
  notify?: { targets: SocketAddress[]; key?: string };
  /** False for a file that only defines reverse zones (reverse: without zone:). */
  forward: boolean;
  /** Where anything in the file is (for the intent blocks, which keep their YAML shape). */
  at(path: Path, key?: boolean): At;
  /** Frees the parsed YAML behind at() (YamlSource.release); at() still answers, from the text. */
  release(): void;
  /** Contents of the key and certificate files the zone names, as written → text (or why it could not be read). */
  files: ReadonlyMap<string, string | Error>;
  /** The text of the file the model was made from (at() parses it again after release()). */
  text: string;
}

/**
 * What a loaded zone keeps of its file's model once its records are made:
 * all that a later reload's lint reads of a zone kept from before (hosts
 * only where one was refused), not the hosts and records already made into
 * RRsets, which were a third of the memory of a loaded set.
 */
export function modelKept(m: ZoneModel): ZoneModel {
  return { ...m, hosts: m.hosts.filter((h) => h.invalid), records: [] };
}

const DEFAULT_TTL = 3600;
// SOA timers within the RFC 1912 §2.2 ranges.
const SOA_DEFAULTS = { refresh: 14400, retry: 3600, expire: 1209600, minimum: 3600 };

/** The zone a file without `zone:` defines: its name without .yaml (example.com.yaml is example.com). */
export function defaultOrigin(file: string): string {
  return basename(file).replace(/\.ya?ml$/, '');
}

/**
 * The forward zone a file's YAML defines, as written: its `zone:`, or else
 * `defaultOrigin`; undefined for a file with only `reverse:` (its zones are
 * its networks'). The model and `mailns probe` read it from here alike.
 */
export function forwardZone(data: Record<string, unknown>, defaultOrigin: string): string | undefined {
  if (typeof data.zone === 'string') return data.zone;
  return data.reverse === undefined ? defaultOrigin : undefined;
}

export function buildModel(src: YamlSource, defaultOrigin: string, diskPath?: string): { model?: ZoneModel; problems: Problem[] } {
  const problems: Problem[] = [];
  const data = src.data as Record<string, unknown> | null;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { problems: [problem(src.at([]), 'schema', 'a zone file is a YAML mapping (zone:, nameservers:, hosts:, records:)')] };
  }
  const schemaErrors = validateZone(data);
  problems.push(...schemaProblems(src, schemaErrors));
  const zoneText = typeof data.zone === 'string' ? data.zone : defaultOrigin;
  let origin: Name = [];
  try {
    origin = lowerName(parseZoneName(zoneText));
  } catch (e) {
    problems.push(problem(src.at(['zone']), 'name', `zone "${zoneText}": ${(e as Error).message}`, NAME_HINT));
  }
  if (problems.some((p) => p.rule !== 'schema')) return { problems };
  // Schema errors do not stop here: the checks below skip what has the wrong
  // shape, so a file's every error is reported in one run.

  const ctx = { src, problems, origin };
  const defaults = data.defaults as { ttl?: unknown } | undefined;
  const ttl = duration(ctx, ['defaults', 'ttl'], defaults?.ttl) ?? DEFAULT_TTL;

  // A file with only reverse: has no zone of its own: its names must be written in full.
  if (typeof data.zone !== 'string' && data.reverse !== undefined) {
    (Array.isArray(data.nameservers) ? data.nameservers : []).forEach((n, i) => {
      if (typeof n === 'string' && !n.endsWith('.')) problems.push(problem(src.at(['nameservers', i]), 'name', `"${n}" is relative, and this file has no zone: to make it relative to`, `write it in full with a trailing dot, e.g. ${n}.example.com.`));
    });
  }
  const nsList = (Array.isArray(data.nameservers) ? data.nameservers : []).filter((n) => typeof n === 'string')
    .map((n: string, i: number) => ({ name: name(ctx, ['nameservers', i], n), at: src.at(['nameservers', i]) }));
  const soaIn = (isObj(data.soa) ? data.soa : {}) as Record<string, unknown>;
  const soa: SoaModel = {
    mname: typeof soaIn.mname === 'string' ? name(ctx, ['soa', 'mname'], soaIn.mname) : (nsList[0]?.name ?? origin),
    rname: typeof soaIn.rname === 'string' ? rname(ctx, ['soa', 'rname'], soaIn.rname) : defaultRname(ctx, typeof data.zone === 'string' ? ['zone'] : []),
    serial: typeof soaIn.serial === 'number' ? soaIn.serial : 'auto',
    serialAt: src.at(soaIn.serial !== undefined ? ['soa', 'serial'] : data.soa ? ['soa'] : ['zone']),
    refresh: duration(ctx, ['soa', 'refresh'], soaIn.refresh) ?? SOA_DEFAULTS.refresh,
    retry: duration(ctx, ['soa', 'retry'], soaIn.retry) ?? SOA_DEFAULTS.retry,
    expire: duration(ctx, ['soa', 'expire'], soaIn.expire) ?? SOA_DEFAULTS.expire,
    minimum: duration(ctx, ['soa', 'minimum'], soaIn.minimum) ?? SOA_DEFAULTS.minimum,
    ttl: duration(ctx, ['soa', 'ttl'], soaIn.ttl) ?? ttl,
    at: src.at(data.soa ? ['soa'] : ['zone']),
  };

  const hosts: HostModel[] = [];
  for (const [key, h] of Object.entries((isObj(data.hosts) ? data.hosts : {}) as Record<string, Record<string, unknown>>)) {
    if (!isObj(h)) continue;
    const path = ['hosts', key];
    const owner = ownerName(ctx, path, key);
    // Outside the zone (reported): no record of this zone can be there.
    if (!owner) continue;
    const addrs = (fam: 'ipv4' | 'ipv6') => {
      const v = h[fam];
      const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
      return list.map((a: unknown, i: number) => {
        const p = Array.isArray(v) ? [...path, fam, i] : [...path, fam];
        return { address: address(ctx, p, a, fam === 'ipv4' ? 4 : 6), at: src.at(p) };
      }).filter((x, i, all) => x.address !== '' && all.findIndex((y) => sameAddress(y.address, x.address)) === i);
    };
    const before = problems.length;
    const host: HostModel = { owner, ipv4: addrs('ipv4'), ipv6: addrs('ipv6'), ttl: duration(ctx, [...path, 'ttl'], h.ttl) ?? ttl, at: src.at(path, true), ptr: h.ptr === 'primary' || h.ptr === 'none' ? h.ptr : undefined };
    if (problems.length > before) host.invalid = true;
    else if (!host.ipv4.length && !host.ipv6.length) problems.push(problem(host.at, 'host-empty', `host "${key}" has no address`, 'give it ipv4: and/or ipv6:'));
    hosts.push(host);
  }

  const records: RecordModel[] = [];
  for (const [key, r] of Object.entries((isObj(data.records) ? data.records : {}) as Record<string, unknown>)) {
    const list = Array.isArray(r) ? r : [r];
    const owner = ownerName(ctx, ['records', key], key);
    if (!owner) continue;
    list.forEach((rec: Record<string, unknown>, i: number) => {
      // Shape errors were reported by the schema; do not report them again as RDATA errors.
      if (!isObj(rec) || typeof rec.type !== 'string' || (rec.value === undefined && !Array.isArray(rec.values))) return;
      const path = Array.isArray(r) ? ['records', key, i] : ['records', key];
      const values = rec.values !== undefined
        ? (Array.isArray(rec.values) ? rec.values : []).map((v, j) => ({ value: v, at: src.at([...path, 'values', j]) }))
        : [{ value: rec.value, at: src.at([...path, 'value']) }];
      records.push({ owner, type: String(rec.type).toUpperCase(), ttl: duration(ctx, [...path, 'ttl'], rec.ttl) ?? ttl, values, at: src.at(path) });
    });
  }
  // The model is returned even with problems, so that synth's checks can add
  // theirs and the user sees every error in one run; the loader will not
  // serve a zone whose problems include an error.
  // Synth and lint rely on the shapes the intent types promise: what the schema refused is not handed on.
  const mail = accepted(data, 'mail', schemaErrors) as MailIntent | undefined;
  const tlsa = accepted(data, 'tlsa', schemaErrors) as Record<string, TlsaIntent> | undefined;
  const files = readNamedFiles(diskPath ?? src.file, mail, tlsa);
  return {
    model: {
      file: src.file, origin, ttl, soa, nameservers: nsList, hosts, records, mail,
      caa: accepted(data, 'caa', schemaErrors) as CaaIntent | undefined, tlsa,
      // The reverse builder relies on the shape the schema checked: an entry the schema refused is not built.
      reverse: Array.isArray(data.reverse)
        ? (data.reverse as unknown[]).map((r, i) => (isObj(r) && !schemaErrors.some((e) => e.instancePath === `/reverse/${i}` || e.instancePath.startsWith(`/reverse/${i}/`)) ? r as unknown as ReverseIntent : undefined))
        : undefined,
      forward: forwardZone(data, defaultOrigin) !== undefined,
      lint: accepted(data, 'lint', schemaErrors) as ZoneModel['lint'],
      transfer: transferPolicy(ctx, accepted(data, 'transfer', schemaErrors)),
      notify: notifyTargets(ctx, accepted(data, 'notify', schemaErrors)),
      at: src.at, release: src.release, files, text: src.text,
    },
    problems,
  };
}

/** The text items of a list the schema checked (with their index, for at()); none if it is not a list. */
function textItems(list: unknown): [string, number][] {
  return Array.isArray(list) ? list.flatMap((v: unknown, i: number) => (typeof v === 'string' ? [[v, i] as [string, number]] : [])) : [];
}

/** `transfer:`: each address range parsed (a finding where it is not one), key names made absolute. */
function transferPolicy(ctx: { src: YamlSource; problems: Problem[] }, t: Record<string, unknown> | undefined): ZoneModel['transfer'] {
  if (!t) return undefined;
  const allow: string[] = [];
  for (const [a, i] of textItems(t.allow)) {
    const c = parseCidr(a);
    if ('error' in c) ctx.problems.push(problem(ctx.src.at(['transfer', 'allow', i]), 'transfer', c.error, 'write an address (192.0.2.53) or a network (198.51.100.0/24, 2001:db8::/32)'));
    else allow.push(c.text);
  }
  const keys: string[] = [];
  for (const [k, i] of textItems(t.keys)) {
    const n = keyName(ctx, ['transfer', 'keys', i], k);
    if (n) keys.push(n);
  }
  return { allow, keys };
}

/** `notify:` (RFC 1996 targets of this file's zones): each target parsed, a finding where it is not ADDRESS[@PORT]. */
function notifyTargets(ctx: { src: YamlSource; problems: Problem[] }, n: Record<string, unknown> | undefined): ZoneModel['notify'] {
  if (!n) return undefined;
  const targets: SocketAddress[] = [];
  for (const [t, i] of textItems(n.targets)) {
    const r = parseNotifyTarget(t);
    if ('error' in r) ctx.problems.push(problem(ctx.src.at(['notify', 'targets', i]), 'notify', `notify target "${t}": ${r.error}`, 'write ADDRESS or ADDRESS@PORT, e.g. 192.0.2.54 or 2001:db8::54@5300'));
    else targets.push(r);
  }
  const key = typeof n.key === 'string' ? keyName(ctx, ['notify', 'key'], n.key) : undefined;
  return { targets, ...(key ? { key } : {}) };
}

/** A TSIG key's name as the keyring holds it (absolute, lower-cased), or undefined after a finding. */
function keyName(ctx: { src: YamlSource; problems: Problem[] }, path: Path, k: string): string | undefined {
  try { return nameKey(parseZoneName(k)); } catch (e) {
    ctx.problems.push(problem(ctx.src.at(path), 'name', `key "${k}": ${(e as Error).message}`, NAME_HINT));
    return undefined;
  }
}

const MAX_KEY_FILE = 1 << 20;

/**
 * Whether the key and certificate files the model names (its zone file at
 * `diskPath`) read now as they did when it was made: with its text, all a
 * zone's own records are made from (a reload reuses a zone when both are).
 */
export function namedFilesUnchanged(m: ZoneModel, diskPath: string): boolean {
  if (!m.files.size) return true;
  const now = readNamedFiles(diskPath, m.mail, m.tlsa);
  if (now.size !== m.files.size) return false;
  for (const [name, text] of now) {
    const was = m.files.get(name);
    if (typeof text !== 'string' || typeof was !== 'string' || text !== was) return false;
  }
  return true;
}

/** Key and certificate files are named relative to the zone file. */
function readNamedFiles(zoneFile: string, mail?: MailIntent, tlsa?: Record<string, TlsaIntent>): Map<string, string | Error> {
  const names = new Set<string>();
  for (const d of Object.values(mail?.dkim ?? {})) if (isObj(d) && typeof d.key_file === 'string') names.add(d.key_file);
  for (const t of Object.values(tlsa ?? {})) {
    if (!isObj(t)) continue;
    if (typeof t.cert_file === 'string') names.add(t.cert_file);
    if (typeof t.key_file === 'string') names.add(t.key_file);
  }
  const out = new Map<string, string | Error>();
  for (const n of names) {
    const p = resolve(dirname(zoneFile), n);
    // A PEM key or certificate is a small regular file: /dev/stdin would block the load, /dev/zero never end it.
    out.set(n, readRegularFile(p, MAX_KEY_FILE));
  }
  return out;
}

/**
 * An intent block (mail:, caa:, tlsa:, lint:) without the parts the schema
 * refused: a key with a schema error at or below it is left out, and the
 * whole block when the error is the block's own. Those errors are reported.
 */
function accepted(data: Record<string, unknown>, block: string, errors: readonly ErrorObject[]): Record<string, unknown> | undefined {
  const v = data[block];
  if (!isObj(v)) return undefined;
  const out = { ...v };
  for (const e of errors) {
    const path = e.instancePath.split('/').slice(1).map((x) => x.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (e.keyword === 'additionalProperties') path.push(String((e.params as { additionalProperty: string }).additionalProperty));
    if (path[0] !== block) continue;
    if (path.length === 1) return undefined;
    delete out[path[1]!];
  }
  return out;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

interface Ctx { src: YamlSource; problems: Problem[]; origin: Name }

function duration(ctx: Ctx, path: Path, v: unknown): number | undefined {
  // Neither text nor a number: the schema has said so.
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const n = parseDuration(v);
  // RFC 2181 §8: TTLs are unsigned 31-bit.
  if (n === undefined || n > MAX_TTL) {
    ctx.problems.push(problem(ctx.src.at(path), 'ttl', `"${String(v)}" is not a duration between 0 and ${MAX_TTL} seconds`, 'write seconds (3600) or units: 30m, 1h, 2d, 1w'));
    return undefined;
  }
  return n;
}

/** `key`: the name is a mapping key (hosts:, records:), and the finding points at it. */
function name(ctx: Ctx, path: Path, text: string, key = false): Name {
  try {
    return parseName(text, ctx.origin);
  } catch (e) {
    if (!(e instanceof NameError)) throw e;
    ctx.problems.push(problem(ctx.src.at(path, key), 'name', `"${text}": ${e.message}`, NAME_HINT));
    return ctx.origin;
  }
}

/**
 * '' and '@' are the apex; other keys are relative unless they end in '.'.
 * Undefined for a name outside the zone (reported at the key): RFC 1034
 * §4.2 a zone holds only names at or below its apex.
 */
function ownerName(ctx: Ctx, path: Path, key: string): Name | undefined {
  const n = key === '' || key === '@' ? [...ctx.origin] : name(ctx, path, key, true);
  if (!isSubdomain(n, ctx.origin)) {
    ctx.problems.push(problem(ctx.src.at(path, true), 'out-of-zone', `"${key}" is not inside the zone ${nameToText(ctx.origin)}`, `use a name relative to the zone, or one ending in ${ctx.origin.length ? '.' : ''}${nameToText(ctx.origin)}`));
    return undefined;
  }
  return lowerName(n);
}

/** RFC 2142 §7: hostmaster at the zone, when soa: names no mailbox; `path` is where the zone's name is written. */
function defaultRname(ctx: Ctx, path: Path): Name {
  try {
    return parseName('hostmaster', ctx.origin);
  } catch (e) {
    if (!(e instanceof NameError)) throw e;
    ctx.problems.push(problem(ctx.src.at(path), 'name', `the SOA mailbox mailns writes when soa: has no rname:, hostmaster@${nameToText(ctx.origin)}: ${e.message}`, 'write one: soa: {rname: hostmaster@example.com}'));
    return ctx.origin;
  }
}

/** RFC 1035 §8: the mailbox's local part becomes the first label, its dots escaped. */
function rname(ctx: Ctx, path: Path, text: string): Name {
  const at = text.indexOf('@');
  if (at < 0) return name(ctx, path, text.endsWith('.') ? text : text + '.');
  const local = text.slice(0, at).replace(/\./g, '\\.');
  // A mailbox at the root (a@.) is the one label of its local part.
  const domain = text.slice(at + 1);
  return name(ctx, path, `${local}.${domain === '.' ? '' : domain.replace(/\.?$/, '.')}`);
}

/**
 * One address written twice for one host is one record (RFC 2181 §5: an
 * RRset holds no duplicates), as the RRset would make it; kept once, at its
 * first place, so that it is not a conflict of the host with itself over
 * the PTR. IPv6 compares in its canonical form (2001:DB8:0::1 is 2001:db8::1).
 */
function sameAddress(a: string, b: string): boolean {
  if (a === b) return true;
  const canon = (x: string) => { try { return new URL(`http://[${x}]/`).hostname; } catch { return x.toLowerCase(); } };
  return a.includes(':') && b.includes(':') && canon(a) === canon(b);
}

/** The address, or '' after reporting why it is not one. */
function address(ctx: Ctx, path: Path, v: unknown, family: 4 | 6): string {
  if (typeof v === 'number') {
    ctx.problems.push(problem(ctx.src.at(path), 'ip-syntax', `YAML read ${v} as a number, not an IPv${family} address`, `quote it: '${v}'`));
    return '';
  }
  const s = String(v);
  if (isIP(s) !== family) {
    const other = isIP(s);
    ctx.problems.push(problem(ctx.src.at(path), 'ip-syntax', `"${s}" is not an IPv${family} address`,
      other ? `it is an IPv${other} address: put it under ipv${other}:` : family === 4 ? 'write four decimal octets, e.g. 192.0.2.10' : 'write it like 2001:db8::25, and quote it'));
    return '';
  }
  return s;
}
