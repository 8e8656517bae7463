/**
 * The catalog zone (RFC 9432, schema version 2) that lists every zone we
 * serve, so a secondary that consumes catalogs (Knot's catalog-role:
 * interpret, BIND's catalog-zones) follows zones being added and removed
 * without its own configuration changing. Pure: the loader (src/server/load.ts)
 * feeds it the served zones and puts its RRsets through the same digest,
 * serial and trie build as any zone.
 */
import { createHash } from 'node:crypto';
import { CLASS, TYPE } from '../wire/constants.js';
import { parseRdata } from '../wire/rdata.js';
import { makeRRset, type RRset, type Source } from '../wire/rrset.js';
import { isSubdomain, lowerName, nameKey, nameToText, type Name } from '../util/name.js';

/** RFC 9432 §4.1: the TTLs of a catalog carry no meaning; 0 keeps resolvers from caching it should one ever ask. */
const TTL = 0;

const SOURCE: Source = { file: '(catalog)', line: 1, col: 1, helper: 'catalog' };

/**
 * A member zone's unique ID (RFC 9432 §4.1: any label unique within the
 * catalog): the first 16 hex digits of SHA-256 over the zone's name in
 * lower-cased presentation form. A hash of the name is the same on every
 * start and every host with no state to keep, so a consumer never sees a
 * zone "change owner" (a new ID for the same zone makes RFC 9432 §5.3
 * consumers drop and re-add it); 64 bits make a collision between the zones
 * one server holds negligible, and one is refused, not published.
 */
export function memberId(zone: Name): string {
  return createHash('sha256').update(nameKey(zone)).digest('hex').slice(0, 16);
}

/** Why `catalog` cannot be the name of our catalog zone alongside `zones`, or undefined. */
export function catalogCollision(catalog: Name, zones: readonly Name[]): string | undefined {
  for (const z of zones) {
    if (nameKey(z) === nameKey(catalog)) return `the catalog ${nameToText(catalog)} is also a zone we serve`;
    if (isSubdomain(catalog, z)) return `the catalog ${nameToText(catalog)} is inside the zone ${nameToText(z)}, which we serve`;
    if (isSubdomain(z, catalog)) return `the zone ${nameToText(z)}, which we serve, is inside the catalog ${nameToText(catalog)}`;
  }
  return undefined;
}

/**
 * The catalog's RRsets (its SOA with serial 0: the loader gives the serial):
 * apex SOA and NS `invalid.` (RFC 9432 §4.1), `version` TXT "2" (§4.2.1),
 * and per member `<id>.zones` PTR to the zone (§4.2.2), each zone once.
 */
export function catalogRRsets(catalog: Name, members: readonly Name[]): RRset[] {
  const origin = lowerName(catalog);
  const rr = (owner: Name, type: number, tokens: string[]) => makeRRset(owner, type, CLASS.IN, TTL, [parseRdata(type, tokens, origin)], [SOURCE]);
  // SOA timers as Knot's own catalogs: refresh 1 h, retry 10 min, expire a long week, negative TTL 0.
  const out: RRset[] = [
    rr(origin, TYPE.SOA, ['invalid.', 'invalid.', '0', '3600', '600', '2147483646', '0']),
    rr(origin, TYPE.NS, ['invalid.']),
    rr(['version', ...origin], TYPE.TXT, ['2']),
  ];
  const seen = new Set<string>();
  for (const z of members) {
    const key = nameKey(z);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(rr([memberId(z), 'zones', ...origin], TYPE.PTR, [nameToText(lowerName(z))]));
  }
  return out;
}
