/**
 * `mailns import FILE.zone`: a BIND/NSD master file as mailns YAML. Every
 * RDATA goes through our own codec (so what we cannot serve is reported here,
 * with its line), and comes out with absolute names; types we have no text
 * form for become RFC 3597 generic data (./import-generic.ts).
 */
import { stringify } from 'yaml';
import { parseZoneFile } from '../config/zonefile.js';
import { type Name, nameToText, parseName, isSubdomain, lowerName, labelToText } from '../util/name.js';
import { type Problem, problem } from '../util/problem.js';
import { TYPE, typeFromText, typeToText } from '../wire/constants.js';
import { parseRdata, rdataToText } from '../wire/rdata.js';
import { encodeGeneric } from './import-generic.js';

interface YamlRecord { type: string; ttl?: number; value?: unknown; values?: unknown[] }

export function importZoneFile(text: string, file: string, originHint?: string): { yaml?: string; problems: Problem[] } {
  const problems: Problem[] = [];
  const parsed = parseZoneFile(text, { origin: originHint, file });
  for (const e of parsed.errors) problems.push(problem({ file, line: e.line, col: e.col }, 'zonefile', e.message));
  const soaRec = parsed.records.find((r) => r.type === 'SOA');
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
  const sets = new Map<string, { owner: Name; type: string; ttl: number; values: unknown[]; line: number }>();
  for (const r of parsed.records) {
    if (r.class !== 'IN') { problems.push(problem({ file, line: r.line, col: 1 }, 'zonefile', `class ${r.class} records are not imported`, undefined, 'warning')); continue; }
    const type = typeFromText(r.type);
    const rOrigin = r.origin ? parseName(r.origin) : origin;
    let owner: Name;
    try { owner = lowerName(parseName(r.owner)); } catch (e) { problems.push(problem({ file, line: r.line, col: 1 }, 'zonefile', (e as Error).message)); continue; }
    if (!isSubdomain(owner, origin)) { problems.push(problem({ file, line: r.line, col: 1 }, 'out-of-zone', `${r.owner} is outside ${nameToText(origin)}`)); continue; }
    if (type === undefined) { problems.push(problem({ file, line: r.line, col: 1 }, 'type', `unknown type ${r.type}`)); continue; }
    let value: unknown;
    // RFC 3597 §5: a type without a text form here is published from \# <length> <hex>.
    const wire = r.rdata[0] === '\\#' ? undefined : encodeGeneric(type, r.rdata, rOrigin);
    if (wire !== undefined && !Buffer.isBuffer(wire)) {
      problems.push(problem({ file, line: r.line, col: 1 }, 'rdata', `${r.type}: ${wire.error}`));
      continue;
    }
    if (wire) value = rdataToText(type, wire);
    else try {
      const rd = parseRdata(type, r.rdata, rOrigin);
      if (type === TYPE.TXT || type === TYPE.SPF) {
        const octets = splitCharStrings(rd.wire);
        const strings = octets.map((o) => o.toString('utf8'));
        if (strings.some((t, i) => !Buffer.from(t, 'utf8').equals(octets[i]!))) {
          // Octets that are not UTF-8 cannot be YAML text: keep them exact in RFC 3597 form.
          value = `\\# ${rd.wire.length} ${rd.wire.toString('hex').toUpperCase()}`;
        } else {
          value = strings.length === 1 && octets[0]!.length <= 255 ? strings[0] : strings;
        }
      } else {
        value = rdataToText(type, rd.wire);
      }
    } catch (e) {
      problems.push(problem({ file, line: r.line, col: 1 }, 'rdata', `${r.type}: ${(e as Error).message}`));
      continue;
    }
    const key = `${nameToText(owner)}/${type}`;
    const s = sets.get(key);
    if (!s) { sets.set(key, { owner, type: typeToText(type), ttl: r.ttl, values: [value], line: r.line }); continue; }
    if (r.ttl !== s.ttl) {
      problems.push(problem({ file, line: r.line, col: 1 }, 'rrset-ttl', `${r.owner} ${r.type} mixes TTLs ${s.ttl} and ${r.ttl}; the lower one is used (RFC 2181 §5.2)`, undefined, 'warning'));
      s.ttl = Math.min(s.ttl, r.ttl);
    }
    s.values.push(value);
  }

  const soaSet = sets.get(`${nameToText(origin)}/${TYPE.SOA}`)!;
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
  if (nsSet && nsSet.ttl !== defaultTtl) problems.push(problem({ file, line: nsSet.line, col: 1 }, 'ns-ttl', `apex NS TTL ${nsSet.ttl} becomes the default ${defaultTtl}`, undefined, 'warning'));

  const records: Record<string, YamlRecord | YamlRecord[]> = {};
  for (const s of sets.values()) {
    if (s.owner.length === origin.length && (s.type === 'SOA' || s.type === 'NS')) continue;
    const rec: YamlRecord = { type: s.type };
    if (s.ttl !== defaultTtl) rec.ttl = s.ttl;
    if (s.values.length === 1) rec.value = s.values[0]; else rec.values = s.values;
    const k = rel(s.owner);
    const prev = records[k];
    records[k] = prev === undefined ? rec : Array.isArray(prev) ? [...prev, rec] : [prev, rec];
  }
  doc.records = records;
  if (problems.some((p) => p.severity === 'error')) return { problems };
  return { yaml: `# imported from ${file}\n` + stringify(doc, { lineWidth: 0 }), problems };
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
