import { type Name, lowerName } from '../util/name.js';
import type { Rdata } from './rdata.js';
import { TYPE } from './constants.js';

/** Where a record came from: the YAML (or zone file) place and the helper that made it. */
export interface Source {
  file: string;
  line: number;
  col: number;
  /** 'records', 'hosts', 'soa', 'nameservers', or a mail helper name. */
  helper: string;
}

/** Helpers whose records the user wrote themselves (name and all); every other helper derives a name from intent. */
const WRITTEN = new Set(['records', 'hosts', 'soa', 'nameservers']);

/** True when an intent helper (mail:, caa:, tlsa:, reverse:) made the record, so its owner is one the user never wrote. */
export function madeByHelper(s: Source | undefined): boolean {
  return !!s && !WRITTEN.has(s.helper);
}

/** All records of one owner, type and class (RFC 2181 §5), pre-encoded. */
export interface RRset {
  /** Lower-cased, absolute (enforced by makeRRset and Zone.build). */
  readonly owner: Name;
  /** The owner as it was written, where its letter case differs (for display only). */
  readonly written?: Name;
  readonly type: number;
  readonly klass: number;
  readonly ttl: number;
  readonly rdatas: readonly Rdata[];
  /** RFC 3597 §4: names in RDATA are compressed only for the RFC 1035 types. */
  readonly compress: boolean;
  /** One per RDATA, same order: where each record came from. */
  readonly sources: readonly Source[];
}

const COMPRESSIBLE = new Set<number>([TYPE.NS, TYPE.CNAME, TYPE.SOA, TYPE.PTR, TYPE.MX]);

/**
 * `sources` is one per RDATA (or empty). The one place RRsets are made: the
 * owner is lower-cased here (RFC 4343 §3: names compare case-insensitively,
 * and the trie and every lookup key on lower-cased labels), so no producer
 * can publish a name that lookups never find; the spelling is kept for display.
 */
export function makeRRset(spelled: Name, type: number, klass: number, ttl: number, rdatas: Rdata[], sources: Source[] = []): RRset {
  const owner = lowerName(spelled);
  // RFC 2181 §5: an RRset holds no duplicates; the first occurrence keeps its source.
  const seen = new Set<string>();
  const keep: Rdata[] = [];
  const keptSources: Source[] = [];
  rdatas.forEach((r, i) => {
    const k = r.wire.toString('latin1');
    if (seen.has(k)) return;
    seen.add(k);
    keep.push(r);
    if (sources[i]) keptSources.push(sources[i]!);
  });
  // slice(): arrays grown by push keep room for 16 more; a zone holds one pair per RRset, so they are kept at their length.
  const rs: RRset = { owner, type, klass, ttl, rdatas: keep.slice(), compress: COMPRESSIBLE.has(type), sources: keptSources.slice() };
  return owner.every((l, i) => l === spelled[i]) ? rs : { ...rs, written: [...spelled] };
}

/**
 * Most names one synthesizer (one generic network) may add to a transfer
 * and to `export`: a /16 of IPv4 (or an IPv6 /112). Above it the zone is
 * not transferred at all, since a secondary would answer NXDOMAIN where we
 * answer (docs/replication-transfers.md).
 */
export const PUBLISH_LIMIT = 65_536n;

/**
 * Names a zone answers without storing them (generic reverse names, their
 * forward addresses): asked only when the trie has no node for the name.
 */
export interface NameSynthesizer {
  /** `lname` lower-cased and inside the zone: RRsets at exactly that name, 'ent' when only names below it exist, or undefined. */
  lookup(lname: readonly string[]): ReadonlyMap<number, RRset> | 'ent' | undefined;
  /** How many names `names` yields: a secondary cannot synthesize them, so a transfer must list them (if not too many). */
  size(): bigint;
  /** Every name `lookup` may answer with records, each once (lower-cased); whether it does is `lookup`'s to say. */
  names(): Iterable<Name>;
  /** What the names are, for messages: `generic names of 192.0.2.0/24`. */
  readonly description: string;
  /**
   * What the names are made from (network, template, TTL), as text: folded
   * into the zone's content digest, since a transfer lists the names, so a
   * change to what a secondary would get moves the serial.
   */
  readonly fingerprint: string;
}
