/**
 * The immutable zone snapshot: a label trie per zone (walked from the apex
 * down, one label at a time), with empty non-terminals as real nodes so that
 * NODATA for them falls out of the data (RFC 8020 §2), and zone cuts marked at
 * build time. Built once, never mutated; reload replaces the whole Catalog.
 */
import { type Name, isSubdomain, lowerLabel, lowerName, nameToText } from '../util/name.js';
import { TYPE, typeToText } from '../wire/constants.js';
import { PUBLISH_LIMIT, type NameSynthesizer, type RRset } from '../wire/rrset.js';

export { PUBLISH_LIMIT };

/** The children of every node that has none: most nodes are leaves, and a map each was a good part of a zone's memory. */
const NO_CHILDREN: ReadonlyMap<string, ZoneNode> = new Map();

/**
 * A node's RRsets by type. Most nodes hold one or two, so they are a short
 * array searched in order (a Map each, with its hash table, was a sixth of
 * a loaded zone's memory); the order is the order they were set in.
 */
export class RRsetsByType {
  private list: readonly RRset[] = [];

  get size(): number {
    return this.list.length;
  }

  get(type: number): RRset | undefined {
    for (const rs of this.list) if (rs.type === type) return rs;
    return undefined;
  }

  has(type: number): boolean {
    return this.get(type) !== undefined;
  }

  /** Zone.build and synthesize only: the RRset of its type, replacing one there. The array is kept at its length. */
  set(rs: RRset): void {
    const i = this.list.findIndex((x) => x.type === rs.type);
    this.list = i < 0 ? this.list.concat(rs) : this.list.map((x, j) => (j === i ? rs : x));
  }

  /** synthesize only: the RRsets of a node made on query, at once (their types distinct, as a Map's values are). */
  fill(rrsets: Iterable<RRset>): void {
    this.list = [...rrsets];
  }

  /** The RRsets in type-number order: as exports, transfers and ANY answers list them. */
  byType(): RRset[] {
    return [...this.list].sort((a, b) => a.type - b.type);
  }

  keys(): IterableIterator<number> {
    return this.list.map((rs) => rs.type).values();
  }

  values(): IterableIterator<RRset> {
    return this.list.values();
  }
}

export class ZoneNode {
  /** Set only while Zone.build makes the trie; read-only from then on. */
  children: ReadonlyMap<string, ZoneNode> = NO_CHILDREN;
  readonly rrsets = new RRsetsByType();
  /** True where an NS RRset below the apex makes a zone cut (RFC 1034 §4.2.1). */
  cut = false;
  constructor(readonly name: Name) {}
}

/**
 * Who may transfer a zone (RFC 5936 §6): from the zone file's `transfer:`.
 * Addresses as CIDR text, keys as lower-cased names in presentation form.
 */
export interface TransferPolicy {
  allow: readonly string[];
  keys: readonly string[];
}

export interface ZoneOptions {
  /** Undefined: the server's default applies. */
  transfer?: TransferPolicy;
}

export class Zone {
  readonly apex: ZoneNode;
  readonly soa: RRset;
  /** The SOA as negative answers carry it: TTL = min(SOA TTL, MINIMUM) (RFC 2308 §3, §5). */
  readonly negativeSoa: RRset;
  private constructor(readonly origin: Name, apex: ZoneNode, soa: RRset, readonly recordCount: number, readonly synthesizers: readonly NameSynthesizer[], readonly options: ZoneOptions) {
    this.apex = apex;
    this.soa = soa;
    const wire = soa.rdatas[0]!.wire;
    const minimum = wire.readUInt32BE(wire.length - 4);
    this.negativeSoa = { ...soa, ttl: Math.min(soa.ttl, minimum) };
  }

  /**
   * The trie of one zone, or why it cannot be built (an error as a value:
   * the loader reports it with the zone and its file). The trie keys on
   * lower-cased labels itself (RFC 4343 §3), whatever a producer handed in,
   * so every stored name is one that lookups (which lower-case the query
   * name once) can reach.
   */
  static build(origin: Name, rrsets: readonly RRset[], synthesizers: readonly NameSynthesizer[] = [], options: ZoneOptions = {}): { zone: Zone } | { error: string } {
    const lorigin = lowerName(origin);
    const apex = new ZoneNode(lorigin);
    let count = 0;
    for (const given of rrsets) {
      const owner = lowerName(given.owner);
      const rs = owner.every((l, i) => l === given.owner[i]) ? given : { ...given, owner };
      if (!isSubdomain(owner, lorigin)) return { error: `${nameToText(owner)} is outside the zone ${nameToText(lorigin)}` };
      let node = apex;
      for (let i = owner.length - lorigin.length - 1; i >= 0; i--) {
        const label = owner[i]!;
        let next = node.children.get(label);
        if (!next) {
          // The node of the RRset's own name shares the RRset's owner (both are the lower-cased name).
          next = new ZoneNode(i === 0 ? rs.owner : owner.slice(i));
          const children = node.children === NO_CHILDREN ? new Map<string, ZoneNode>() : node.children as Map<string, ZoneNode>;
          children.set(label, next);
          node.children = children;
        }
        node = next;
      }
      if (node.rrsets.has(rs.type)) return { error: `two RRsets for ${nameToText(owner)} ${typeToText(rs.type)}` };
      node.rrsets.set(rs);
      count += rs.rdatas.length;
      if (rs.type === TYPE.NS && node !== apex) node.cut = true;
    }
    const soa = apex.rrsets.get(TYPE.SOA);
    if (!soa || soa.rdatas.length !== 1) return { error: `zone ${nameToText(lorigin)} has ${soa ? 'more than one SOA' : 'no SOA'} at its apex` };
    return { zone: new Zone(lorigin, apex, soa, count, synthesizers, options) };
  }

  /** A node made on query for a name no stored node has (generic names), or undefined. */
  synthesize(lname: Name): ZoneNode | undefined {
    for (const s of this.synthesizers) {
      const r = s.lookup(lname);
      if (r === undefined) continue;
      const node = new ZoneNode(lname);
      if (r !== 'ent') node.rrsets.fill(r.values());
      return node;
    }
    return undefined;
  }

  /** Exact node, ignoring zone cuts (for glue and additional data); labels lower-cased. */
  node(name: Name): ZoneNode | undefined {
    let node: ZoneNode | undefined = this.apex;
    for (let i = name.length - this.origin.length - 1; i >= 0 && node; i--) node = node.children.get(name[i]!);
    return node;
  }

  /** Is `name` at or below a zone cut of this zone (delegated away)? Labels lower-cased. */
  delegated(name: Name): boolean {
    let node: ZoneNode | undefined = this.apex;
    for (let i = name.length - this.origin.length - 1; i >= 0 && node; i--) {
      node = node.children.get(name[i]!);
      if (node?.cut) return true;
    }
    return false;
  }

  /** Exact node with authoritative data: undefined at or below a zone cut. */
  authoritativeNode(name: Name): ZoneNode | undefined {
    let node: ZoneNode | undefined = this.apex;
    for (let i = name.length - this.origin.length - 1; i >= 0 && node; i--) {
      node = node.children.get(name[i]!);
      if (node?.cut) return undefined;
    }
    return node;
  }

  /** The synthesizers whose names are too many to publish (PUBLISH_LIMIT): while any, the zone is not transferable. */
  unpublishable(): NameSynthesizer[] {
    return this.synthesizers.filter((s) => s.size() > PUBLISH_LIMIT);
  }

  /**
   * What a secondary must hold to answer as we do: every stored RRset
   * (walk), then every name a synthesizer answers on query, made by the same
   * `synthesize` the lookup calls, for exactly the names the lookup would
   * hand it (no stored node, not below a cut). This is what `export` prints
   * and AXFR sends. Throws when a synthesizer is above PUBLISH_LIMIT: check
   * `unpublishable()` first.
   */
  *published(): Generator<RRset> {
    yield* this.walk();
    if (this.unpublishable().length) throw new Error(`zone ${nameToText(this.origin)} has too many generic names to publish`);
    const seen = new Set<string>();
    for (const s of this.synthesizers) {
      for (const name of s.names()) {
        if (!this.synthesizedHere(name)) continue;
        const key = name.join('.');
        if (seen.has(key)) continue;
        seen.add(key);
        const node = this.synthesize(name);
        if (!node) continue;
        yield* node.rrsets.byType();
      }
    }
  }

  /**
   * What `export` prints and `diff` compares: `published()`, or only the
   * stored RRsets when a synthesizer has too many names to list (the zone
   * is not transferable then; export says so in a comment).
   */
  listed(): Iterable<RRset> {
    return this.unpublishable().length ? this.walk() : this.published();
  }

  /** Would the lookup ask the synthesizers for this name (lower-cased)? Only where the trie stops short of it above any cut. */
  private synthesizedHere(name: Name): boolean {
    if (!isSubdomain(name, this.origin)) return false;
    let node: ZoneNode | undefined = this.apex;
    for (let i = name.length - this.origin.length - 1; i >= 0; i--) {
      node = node.children.get(name[i]!);
      if (!node) return true;
      if (node.cut) return false;
    }
    return false;
  }

  /** Every RRset, owners in canonical order (RFC 4034 §6.1), SOA first: the order a zone transfer or export needs. */
  *walk(): Generator<RRset> {
    yield this.soa;
    const visit = function* (n: ZoneNode): Generator<RRset> {
      for (const rs of n.rrsets.byType()) if (rs.type !== TYPE.SOA) yield rs;
      const labels = sortedLabels(n);
      for (const l of labels) yield* visit(n.children.get(l)!);
    };
    yield* visit(this.apex);
  }
}

const SORTED = new WeakMap<ZoneNode, string[]>();
const NO_LABELS: readonly string[] = [];

/**
 * A node's child labels in RFC 4034 §6.1 order, kept once made (the node
 * never changes): a transfer of a zone with 100,000 names under one node
 * sorts them once, not per transfer. The trie's keys are lower-cased labels
 * (build), so plain string order is that order.
 */
function sortedLabels(n: ZoneNode): readonly string[] {
  // Most nodes are leaves: nothing to sort, nothing to keep (a list kept per leaf is megabytes in a large zone).
  if (n.children.size === 0) return NO_LABELS;
  let l = SORTED.get(n);
  // The size check keeps a node changed after build (only tests do that) from walking a stale list.
  if (!l || l.length !== n.children.size) { l = [...n.children.keys()].sort(); SORTED.set(n, l); }
  return l;
}

/** RFC 4034 §6.1: labels compare as lower-cased octet strings. */
export function compareLabels(a: string, b: string): number {
  const x = lowerLabel(a), y = lowerLabel(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

class CatalogNode {
  readonly children = new Map<string, CatalogNode>();
  zone?: Zone;
}

/** The zones we serve; finds the closest enclosing zone (longest match) for a name. */
export class Catalog {
  private readonly root = new CatalogNode();
  readonly zones: readonly Zone[];

  constructor(zones: readonly Zone[]) {
    this.zones = zones;
    for (const z of zones) {
      let n = this.root;
      for (let i = z.origin.length - 1; i >= 0; i--) {
        const l = z.origin[i]!;
        let next = n.children.get(l);
        if (!next) { next = new CatalogNode(); n.children.set(l, next); }
        n = next;
      }
      n.zone = z;
    }
  }

  /** `name` lower-cased. */
  findZone(name: Name): Zone | undefined {
    let n: CatalogNode | undefined = this.root;
    let best = n.zone;
    for (let i = name.length - 1; i >= 0; i--) {
      n = n.children.get(name[i]!);
      if (!n) break;
      if (n.zone) best = n.zone;
    }
    return best;
  }
}
