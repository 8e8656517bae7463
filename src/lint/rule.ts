/**
 * The lint framework: a rule is an id with a severity and the RFC it comes
 * from; a module runs over one zone's RRsets (with every zone we load at
 * hand, for SPF includes and DMARC report destinations) and reports
 * findings at the place each record was written.
 */
import type { ZoneModel } from '../config/model.js';
import { type Name, isSubdomain, lowerName, nameKey, nameToText } from '../util/name.js';
import { type At, type Problem, type Severity } from '../util/problem.js';
import { classToText, TYPE, typeToText } from '../wire/constants.js';
import { rdataToText, type Rdata } from '../wire/rdata.js';
import type { RRset, Source } from '../wire/rrset.js';

export interface RuleInfo {
  id: string;
  severity: Severity;
  /** e.g. "RFC 7208 §4.6.4". */
  rfc: string;
  /** One line for the README table. */
  summary: string;
}

export interface LintZone {
  origin: Name;
  rrsets: readonly RRset[];
  model: ZoneModel;
  reverse: boolean;
  /** The MTA-STS policy text when mail.mta_sts made one. */
  mtaStsPolicy?: string;
}

export interface LintModule {
  rules: RuleInfo[];
  run(ctx: LintContext): void;
}

/** Where a finding points: a record of an RRset (by index), a whole RRset, or a place. */
export type Where = { rrset: RRset; index?: number } | At;

/** One zone's names, built once per zone, for lookups that do not scan every RRset. */
export interface ZoneIndex {
  /** RRsets by owner (nameKey), then type. */
  nodes: Map<string, Map<number, RRset>>;
  /** Every owner and every empty non-terminal above it, apex included. */
  names: Set<string>;
  /** Delegation points below the apex. */
  cuts: Set<string>;
  /** Parents of wildcard owners (`*.w` gives w). */
  wildcards: Set<string>;
  /** Owners whose host entry already had a reported error: no follow-on findings for them. */
  tainted: Set<string>;
}

const INDEXES = new WeakMap<LintZone, ZoneIndex>();

export function zoneIndex(z: LintZone): ZoneIndex {
  let idx = INDEXES.get(z);
  if (idx) return idx;
  idx = { nodes: new Map(), names: new Set([nameKey(z.origin)]), cuts: new Set(), wildcards: new Set(), tainted: new Set() };
  for (const rs of z.rrsets) {
    const owner = lowerName(rs.owner);
    const key = nameKey(owner);
    let node = idx.nodes.get(key);
    if (!node) idx.nodes.set(key, (node = new Map()));
    node.set(rs.type, rs);
    for (let i = 0; owner.length - i > z.origin.length; i++) idx.names.add(nameKey(owner.slice(i)));
    if (rs.type === TYPE.NS && owner.length > z.origin.length) idx.cuts.add(key);
    if (owner[0] === '*') idx.wildcards.add(nameKey(owner.slice(1)));
  }
  if (!z.reverse) for (const h of z.model.hosts) if (h.invalid) idx.tainted.add(nameKey(h.owner));
  INDEXES.set(z, idx);
  return idx;
}

export class LintContext {
  private readonly byKey = new Map<string, RRset>();

  constructor(
    readonly zone: LintZone,
    readonly zones: readonly LintZone[],
    private readonly rules: ReadonlyMap<string, RuleInfo>,
    private readonly out: Problem[],
  ) {
    for (const rs of zone.rrsets) this.byKey.set(`${nameKey(rs.owner)}/${rs.type}`, rs);
  }

  /** The RRset of this zone at `owner` (any case). */
  get(owner: Name, type: number): RRset | undefined {
    return this.byKey.get(`${nameKey(lowerName(owner))}/${type}`);
  }

  /** The closest enclosing zone we load for `name`. */
  zoneOf(name: Name): LintZone | undefined {
    let best: LintZone | undefined;
    for (const z of this.zones) if (isSubdomain(name, z.origin) && (!best || z.origin.length > best.origin.length)) best = z;
    return best;
  }

  /** The RRset at `name` in whichever of our zones holds it; `served` false when no zone of ours holds the name. */
  lookup(name: Name, type: number): { served: boolean; rrset?: RRset; exists: boolean } {
    const z = this.zoneOf(name);
    if (!z) return { served: false, exists: false };
    const idx = zoneIndex(z);
    const k = nameKey(lowerName(name));
    return { served: true, rrset: idx.nodes.get(k)?.get(type), exists: idx.names.has(k) };
  }

  report(ruleId: string, where: Where, message: string, hint?: string): void {
    const rule = this.rules.get(ruleId);
    if (!rule) throw new Error(`lint rule ${ruleId} is not registered`);
    let at: At;
    let record: string | undefined;
    if ('rrset' in where) {
      const rs = where.rrset;
      const i = where.index ?? 0;
      const s: Source | undefined = rs.sources[i] ?? rs.sources[0];
      at = s ? { file: s.file, line: s.line, col: s.col } : { file: this.zone.model.file, line: 1, col: 1 };
      record = recordText(rs, rs.rdatas[i]);
    } else {
      at = where;
    }
    this.out.push({ ...at, severity: rule.severity, rule: rule.id, message, hint, record, rfc: rule.rfc });
  }
}

export function recordText(rs: RRset, rd: Rdata | undefined): string {
  const text = rd ? rdataToText(rs.type, rd.wire) : '';
  return `${nameToText(rs.owner)} ${rs.ttl} ${classToText(rs.klass)} ${typeToText(rs.type)} ${text}`;
}

/** The character-strings of a TXT RDATA. */
export function txtStrings(rd: Rdata): Buffer[] {
  const out: Buffer[] = [];
  const w = rd.wire;
  for (let o = 0; o < w.length;) { const l = w[o]!; out.push(w.subarray(o + 1, o + 1 + l)); o += 1 + l; }
  return out;
}

/** A TXT record's text: its strings joined with nothing between them (RFC 7208 §3.3, RFC 6376 §3.6.2.2). */
export function txtText(rd: Rdata): string {
  return Buffer.concat(txtStrings(rd)).toString('utf8');
}
