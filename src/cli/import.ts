/**
 * `mailns import FILE.zone`: a BIND/NSD master file as mailns YAML. Every
 * record that can be carried over is: types with a text form through our own
 * codec (so what we cannot serve is found here), the others as RFC 3597
 * generic data (./import-generic.ts). What cannot be carried over is left out
 * and reported at the token at fault; the YAML for the rest is still made.
 * `$INCLUDE` files are read relative to the file that includes them.
 */
import { MAX_ZONE_FILE, readRegularFile } from '../config/source.js';
import { dirname, isAbsolute, join } from 'node:path';
import { stringify } from 'yaml';
import { type Pos, type ZoneFileRecord, parseZoneFile } from '../config/zonefile.js';
import { type Name, nameToText, parseName, isSubdomain, lowerName, labelToText } from '../util/name.js';
import { type Problem, formatProblem, problem, sortProblems } from '../util/problem.js';
import { TYPE, isMetaType, typeFromText, typeToText } from '../wire/constants.js';
import { parseRdata, rdataToText } from '../wire/rdata.js';
import { encodeGeneric } from './import-generic.js';

interface YamlRecord { type: string; ttl?: number; value?: unknown; values?: unknown[] }

export interface ImportOptions {
  /** Reads a $INCLUDE file; default readFileSync. */
  readFile?: (path: string) => string;
}

export interface ImportResult {
  /** Absent only when there is no SOA to make a zone of. */
  yaml?: string;
  /** Errors are records left out; warnings are records carried over with a change. */
  problems: Problem[];
}

/** Types mailns will not serve from a file, whatever their form. */
const REFUSED = new Map<number, [string, string]>([
  [TYPE.DNAME, ['dname', 'DNAME redirection (RFC 6672) is not served by mailns: write CNAMEs for the names you need']],
  ...[TYPE.RRSIG, TYPE.NSEC, TYPE.NSEC3, TYPE.NSEC3PARAM].map((t): [number, [string, string]] => [t,
    ['dnssec', `${typeToText(t)} is made by a DNSSEC signer (RFC 4035 §2), and mailns does not sign: the zone is served unsigned`]]),
]);

/** Why an error code is worth a word: the file could not be read at all. */
function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
}

/**
 * The RDATA token a codec error is about: the one the message quotes, the
 * first one too many, the numbered SOA field; else the first.
 */
function blame(message: string, tokens: string[]): number {
  const quoted = /"((?:[^"\\]|\\.)*)"/.exec(message)?.[1];
  if (quoted !== undefined) {
    const i = tokens.findIndex((t) => t === quoted || t.replace(/^"|"$/g, '') === quoted);
    if (i >= 0) return i;
  }
  const fields = /expected ([0-9]+) field/.exec(message);
  if (fields) return Math.min(Number(fields[1]), tokens.length - 1);
  const soa = /SOA field ([0-9]+)/.exec(message);
  if (soa) return Math.min(Number(soa[1]) - 1, tokens.length - 1);
  return 0;
}

/** The YAML value of one record, or the error and the token it is about. */
function yamlValue(type: number, r: ZoneFileRecord, origin: Name): { value: unknown } | { error: string; token: number } {
  if (r.rdata[0] !== '\\#') {
    const wire = encodeGeneric(type, r.rdata, origin);
    // RFC 3597 §5: mailns publishes any type from \# <length> <hex>.
    if (Buffer.isBuffer(wire)) return { value: rdataToText(type, wire) };
    if (wire !== undefined) return wire;
  }
  let rd;
  try {
    rd = parseRdata(type, r.rdata, origin);
  } catch (e) {
    return { error: (e as Error).message, token: blame((e as Error).message, r.rdata) };
  }
  if (type !== TYPE.TXT && type !== TYPE.SPF) return { value: rdataToText(type, rd.wire) };
  const octets = splitCharStrings(rd.wire);
  const strings = octets.map((o) => o.toString('utf8'));
  // Octets that are not UTF-8 cannot be YAML text: keep them exact in RFC 3597 form.
  if (strings.some((t, i) => !Buffer.from(t, 'utf8').equals(octets[i]!))) return { value: `\\# ${rd.wire.length} ${rd.wire.toString('hex').toUpperCase()}` };
  return { value: strings.length === 1 && octets[0]!.length <= 255 ? strings[0] : strings };
}

/** A zone file's text; a FIFO, a device or a file over 64 MiB is refused as the loader refuses it (it would block or exhaust memory). */
function readZoneText(path: string): string {
  const text = readRegularFile(path, MAX_ZONE_FILE);
  if (text instanceof Error) throw text;
  return text;
}

export function importZoneFile(text: string, file: string, originHint?: string, opts: ImportOptions = {}): ImportResult {
  const problems: Problem[] = [];
  const read = opts.readFile ?? readZoneText;
  const parsed = parseZoneFile(text, {
    origin: originHint,
    file,
    // RFC 1035 §5.1 leaves the file name to the implementation: here it is relative to the including file.
    include: (name, from) => {
      const path = isAbsolute(name) ? name : join(dirname(from ?? file), name);
      try { return { file: path, text: read(path) }; } catch (e) { return { error: `cannot read $INCLUDE file ${path}: ${reason(e)}` }; }
    },
  });
  for (const e of parsed.errors) problems.push(problem({ file: e.file ?? file, line: e.line, col: e.col }, e.rule ?? 'zonefile', e.message));

  // One finding per $GENERATE and rule, not one per record it made.
  const fromGenerate = new Map<string, { p: Problem; more: number }>();
  const drop = (r: ZoneFileRecord, at: Pos, rule: string, message: string, hint?: string): void => {
    const p = problem({ file: r.file ?? file, line: at.line, col: at.col }, rule, message, hint);
    p.record = `${r.owner} ${r.ttl} ${r.class} ${r.type} ${r.rdata.join(' ')}`;
    if (r.generated) {
      const key = `${p.file}:${r.generated.line}:${r.generated.col}:${rule}`;
      const seen = fromGenerate.get(key);
      if (seen) { seen.more++; return; }
      fromGenerate.set(key, { p, more: 0 });
    }
    problems.push(p);
  };

  const soaRec = parsed.records.find((r) => r.type === 'SOA' || r.type === 'TYPE6');
  if (!soaRec) {
    problems.push(problem({ file, line: 1, col: 1 }, 'zonefile', 'no SOA record: a zone file starts with its SOA'));
    return { problems };
  }
  const origin: Name = lowerName(parseName(soaRec.owner));
  const rel = (owner: Name): string => {
    if (owner.length === origin.length) return '';
    return owner.slice(0, owner.length - origin.length).map(labelToText).join('.');
  };

  // RFC 2181 §5.2: one TTL per RRset; a file that mixes them gets the lowest, and a note.
  const sets = new Map<string, { owner: Name; type: number; ttl: number; values: unknown[]; at: { file: string; line: number; col: number } }>();
  const carry = (r: ZoneFileRecord): void => {
    if (r.class !== 'IN') { drop(r, r.at.class ?? r.at.type, 'class', `class ${r.class} records are not imported: mailns serves class IN`); return; }
    const type = typeFromText(r.type);
    if (type === undefined) { drop(r, r.at.type, 'type', `unknown type ${r.type}`, 'write it as TYPEnnn with RFC 3597 data: \\# <length> <hex>'); return; }
    if (type === 0 || isMetaType(type)) { drop(r, r.at.type, 'type', `${r.type} is not a type of data a zone holds (RFC 6895 §3.1)`); return; }
    const refused = REFUSED.get(type);
    if (refused) { drop(r, r.at.type, refused[0], refused[1]); return; }
    let owner: Name;
    try { owner = lowerName(parseName(r.owner)); } catch (e) { drop(r, r.at.owner, 'zonefile', (e as Error).message); return; }
    if (!isSubdomain(owner, origin)) { drop(r, r.at.owner, 'out-of-zone', `${r.owner} is outside ${nameToText(origin)}`); return; }
    const v = yamlValue(type, r, r.origin ? parseName(r.origin) : origin);
    if ('error' in v) { drop(r, r.at.rdata[v.token] ?? r.at.type, 'rdata', `${r.type}: ${v.error}`); return; }
    const key = `${nameToText(owner)}/${type}`;
    const s = sets.get(key);
    if (!s) {
      sets.set(key, { owner, type, ttl: r.ttl, values: [v.value], at: { file: r.file ?? file, ...(r.at.ttl ?? r.at.type) } });
      return;
    }
    if (r.ttl !== s.ttl) {
      const at = r.at.ttl ?? r.at.type;
      problems.push(problem({ file: r.file ?? file, line: at.line, col: at.col }, 'rrset-ttl', `${r.owner} ${r.type} mixes TTLs ${s.ttl} and ${r.ttl}; the lower one is used (RFC 2181 §5.2)`, undefined, 'warning'));
      s.ttl = Math.min(s.ttl, r.ttl);
    }
    s.values.push(v.value);
  };
  for (const r of parsed.records) carry(r);
  for (const { p, more } of fromGenerate.values()) if (more > 0) p.message += ` (and ${more} more from this $GENERATE)`;

  const soaSet = sets.get(`${nameToText(origin)}/${TYPE.SOA}`);
  if (!soaSet) {
    problems.push(problem({ file: soaRec.file ?? file, ...soaRec.at.type }, 'zonefile', 'the SOA record could not be read, so there is no zone to import'));
    return { problems };
  }
  const f = String(soaSet.values[0]).split(/\s+/);
  const mname = f[0]!, rnameName = parseName(f[1]!);
  const nsSet = sets.get(`${nameToText(origin)}/${TYPE.NS}`);
  // The most common TTL becomes the default; records that differ keep their own.
  const ttlCount = new Map<number, number>();
  for (const s of sets.values()) ttlCount.set(s.ttl, (ttlCount.get(s.ttl) ?? 0) + 1);
  const defaultTtl = [...ttlCount.entries()].sort((a, b) => b[1] - a[1])[0]![0];

  const doc: Record<string, unknown> = {
    zone: nameToText(origin),
    defaults: { ttl: defaultTtl },
    soa: {
      mname,
      rname: rnameToEmail(rnameName),
      serial: Number(f[2]), refresh: Number(f[3]), retry: Number(f[4]), expire: Number(f[5]), minimum: Number(f[6]),
      ...(soaSet.ttl !== defaultTtl ? { ttl: soaSet.ttl } : {}),
    },
    nameservers: nsSet ? nsSet.values : [],
  };
  if (nsSet && nsSet.ttl !== defaultTtl) problems.push(problem(nsSet.at, 'ns-ttl', `apex NS TTL ${nsSet.ttl} becomes the default ${defaultTtl}`, undefined, 'warning'));

  const records: Record<string, YamlRecord | YamlRecord[]> = {};
  for (const s of sets.values()) {
    if (s.owner.length === origin.length && (s.type === TYPE.SOA || s.type === TYPE.NS)) continue;
    const rec: YamlRecord = { type: typeToText(s.type) };
    if (s.ttl !== defaultTtl) rec.ttl = s.ttl;
    if (s.values.length === 1) rec.value = s.values[0]; else rec.values = s.values;
    const k = rel(s.owner);
    const prev = records[k];
    records[k] = prev === undefined ? rec : Array.isArray(prev) ? [...prev, rec] : [prev, rec];
  }
  doc.records = records;
  const note = problems.some((p) => p.severity === 'error') ? '# some records were left out: see what mailns import reported\n' : '';
  return { yaml: `# imported from ${file}\n${note}` + stringify(doc, { lineWidth: 0 }), problems };
}

/** 0 when every record was carried over, 1 when some were left out (or there was no zone at all). */
export function importExitCode(r: ImportResult): 0 | 1 {
  return r.yaml !== undefined && !r.problems.some((p) => p.severity === 'error') ? 0 : 1;
}

export interface ImportIo {
  out(text: string): void;
  err(line: string): void;
  readFile?: (path: string) => string;
}

/**
 * The `mailns import` verb: YAML on `out`, findings on `err`. Exit code 0 when
 * everything was carried over, 1 when some records were not (the YAML for the
 * rest is still written), 2 when the file cannot be read.
 */
export function runImport(file: string, origin: string | undefined, io: ImportIo = { out: (s) => { process.stdout.write(s); }, err: (s) => console.error(s) }): number {
  const read = io.readFile ?? readZoneText;
  let text: string;
  try { text = read(file); } catch (e) { io.err(`mailns import: cannot read ${file}: ${reason(e)}`); return 2; }
  const r = importZoneFile(text, file, origin, { readFile: read });
  for (const p of sortProblems(r.problems)) io.err(formatProblem(p));
  if (r.yaml !== undefined) io.out(r.yaml);
  return importExitCode(r);
}

function splitCharStrings(wire: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o < wire.length;) { const l = wire[o]!; out.push(wire.subarray(o + 1, o + 1 + l)); o += 1 + l; }
  return out;
}

/** RFC 1035 §8: first label is the mailbox's local part. */
function rnameToEmail(n: Name): string {
  if (n.length < 2) return nameToText(n);
  return `${n[0]}@${n.slice(1).join('.')}`;
}
