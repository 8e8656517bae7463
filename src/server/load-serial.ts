/**
 * The serials a load publishes (RFC 1982; src/zone/serial.ts has the
 * arithmetic and the digest) and the catalog zone (RFC 9432) made over the
 * zones a load serves: both for loadZones, beside it.
 */
import type { At, Problem } from '../util/problem.js';
import { problem } from '../util/problem.js';
import { lowerName, nameKey, nameToText, type Name } from '../util/name.js';
import type { SoaModel, ZoneModel } from '../config/model.js';
import { catalogCollision, catalogRRsets } from '../synth/catalog.js';
import { Zone } from '../zone/zone.js';
import { contentDigest, nextSerial, serialGreater, withSerial } from '../zone/serial.js';
import type { LoadedZone, LoadOptions } from './load.js';

/**
 * The serial a zone publishes for content `digest`: with `serial: auto`, the
 * last one published while the content stays, the next one when it moved; a
 * written serial as written, with a finding when new content kept an old one.
 */
export function decideSerial(origin: Name, digest: string, soa: SoaModel, opts: LoadOptions, now: Date, problems: Problem[]): number {
  const last = opts.serials?.get(nameKey(origin));
  const changed = last !== undefined && last.digest !== digest;
  const written = soa.serial;
  if (written === 'auto') return !last ? nextSerial(undefined, now) : changed ? nextSerial(last.serial, now) : last.serial;
  // RFC 1034 §4.3.5: a secondary transfers only when the serial grows, so new content under an old serial is never replicated.
  if (changed && opts.serialFindings !== false && !serialGreater(written, last.serial)) {
    problems.push({
      ...problem(soa.serialAt, 'serial-not-increased', `zone ${nameToText(origin)} changed since serial ${last.serial} was published, but its serial ${written === last.serial ? 'is still' : 'went from ' + last.serial + ' to'} ${written}: secondaries would keep the old zone`,
        `raise soa.serial above ${last.serial} (e.g. ${nextSerial(last.serial, now)}), or write serial: auto to have it follow the content`),
      rfc: 'RFC 1982 §3.2',
    });
  }
  return written;
}

const CATALOG_FILE = '(catalog)';

/**
 * The catalog zone over the zones served (src/synth/catalog.ts), through the
 * same digest, serial (always auto: it follows the member list) and trie
 * build as a zone from a file; made again at every load, so a zone file
 * added or removed changes its member list and its serial. Refused, with a
 * finding, when its name collides with a zone we load.
 */
export function catalogZone(name: Name, served: readonly LoadedZone[], loading: readonly Name[], opts: LoadOptions, now: Date): { zone: LoadedZone } | { problem: Problem } {
  const t0 = performance.now();
  const at = { file: CATALOG_FILE, line: 1, col: 1 };
  const clash = catalogCollision(name, [...loading, ...served.map((z) => z.zone.origin)]);
  if (clash) return { problem: problem(at, 'catalog-collision', `${clash}: the catalog is not served`, 'give --catalog a name outside every zone served, e.g. catalog.invalid.') };
  const rrsets = catalogRRsets(name, served.map((z) => z.zone.origin));
  const digest = contentDigest(rrsets);
  const model = catalogModel(name, at);
  const serial = decideSerial(model.origin, digest, model.soa, opts, now, []);
  rrsets[0] = withSerial(rrsets[0]!, serial);
  const r = Zone.build(model.origin, rrsets);
  if (!('zone' in r)) return { problem: problem(at, 'zone-build', `the catalog ${nameToText(name)} cannot be built: ${r.error}`, 'this is a bug in mailns: please report it') };
  return { zone: { zone: r.zone, model, file: CATALOG_FILE, millis: performance.now() - t0, artifacts: {}, reverse: false, serial, digest } };
}

/** What a LoadedZone carries of its file, for a zone made from none: no hosts, no records, no files to watch. */
function catalogModel(origin: Name, at: At): ZoneModel {
  return {
    file: CATALOG_FILE, origin: lowerName(origin), ttl: 0,
    soa: { mname: ['invalid'], rname: ['invalid'], serial: 'auto', serialAt: at, refresh: 3600, retry: 600, expire: 2147483646, minimum: 0, ttl: 0, at },
    nameservers: [], hosts: [], records: [], forward: true, at: () => at, release: () => undefined, files: new Map(), text: '',
  };
}
