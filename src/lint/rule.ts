/**
 * The lint framework: a rule is an id with a severity and the RFC it comes
 * from; a module runs over one zone's RRsets (with every zone we load at
 * hand, for SPF includes and DMARC report destinations) and reports
 * findings at the place each record was written.
 */
import type { ZoneModel } from '../config/model.js';
import { type Name, lowerName, nameKey, nameToText } from '../util/name.js';
import { type At, type Problem, type Severity } from '../util/problem.js';
import { classToText, TYPE, typeToText } from '../wire/constants.js';
import { rdataTarget, rdataToText, type Rdata } from '../wire/rdata.js';
import type { RRset, Source } from '../wire/rrset.js';
import { resolve, type Resolution } from '../query/resolve.js';
import { Catalog, type Zone } from '../zone/zone.js';

export interface RuleInfo {
  id: string;
  severity: Severity;
  /** e.g. "RFC 7208 §4.6.4". */
  rfc: string;
  /** One line for the table in docs/lint.md. */
  summary: string;
}

export interface LintZone {
  origin: Name;
  /** The snapshot of the zone: the trie the server answers from. */
  zone: Zone;
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

/** A question to our zones, answered by the server's own lookup (query/resolve.ts). */
export type Ask = (name: Name, type: number) => Resolution;

/** Every zone the lint sees, and the one way it asks them questions. */
export interface LintView {
  zones: readonly LintZone[];
  catalog: Catalog;
  ask: Ask;
}

/** The view over `zones`; `observe` sees every question the lint asks (for the test that the server answers the same). */
export function lintView(zones: readonly LintZone[], observe?: (r: Resolution) => void): LintView {
  const catalog = new Catalog(zones.map((z) => z.zone));
  const ask: Ask = (name, type) => {
    const r = resolve(catalog, name, type);
    observe?.(r);
    return r;
  };
  return { zones, catalog, ask };
}

const SERVED = new WeakMap<LintZone, RRset[]>();
const WALKED = new WeakMap<LintZone, RRset[]>();

/** Every RRset the zone stores, in the order walk() gives: walked once per lint round, not once per rule. */
function stored(z: LintZone): readonly RRset[] {
  let all = WALKED.get(z);
  if (!all) { all = [...z.zone.walk()]; WALKED.set(z, all); }
  return all;
}

/**
 * The RRsets of a zone as the server serves them: each stored RRset that
 * the lookup answers with for its own owner and type (authoritative data,
 * and the NS of a delegation in a referral). Data hidden below a zone cut,
 * glue, and records of a name a closer zone of ours answers are not served,
 * so no rule certifies them.
 */
export function servedRRsets(view: LintView, z: LintZone): readonly RRset[] {
  let out = SERVED.get(z);
  if (out) return out;
  out = [];
  for (const rs of stored(z)) {
    const r = view.ask(rs.owner, rs.type);
    if (r.kind === 'success' && r.cnames.length === 0 && r.rrset === rs) out.push(rs);
    else if (r.kind === 'referral' && r.outcome?.authority[0]?.rrset === rs) out.push(rs);
  }
  SERVED.set(z, out);
  return out;
}

/**
 * The stored RRsets of a zone the lookup never answers with, in one walk:
 * - `shadowed`: a closer zone of ours answers for the name instead (a child
 *   zone we also serve). The delegation itself is not among them: the NS at
 *   the child's apex, its DS, and the glue (the A/AAAA of a name an NS names).
 * - `unexplained`: nothing explains it (not at or below a zone cut, not
 *   shadowed, not DS at a zone whose parent we serve). Each is a record
 *   `export` prints and no resolver gets: the loader reports it, so the
 *   invariant holds by check, not by comment.
 */
export function notServed(view: LintView, z: LintZone): { shadowed: { rrset: RRset; by: Zone }[]; unexplained: RRset[] } {
  const served = new Set(servedRRsets(view, z));
  const all = stored(z);
  const nsTargets = new Set<string>();
  for (const rs of all) if (rs.type === TYPE.NS) for (const rd of rs.rdatas) { const t = rdataTarget(TYPE.NS, rd); if (t) nsTargets.add(nameKey(t)); }
  const out = { shadowed: [] as { rrset: RRset; by: Zone }[], unexplained: [] as RRset[] };
  for (const rs of all) {
    if (served.has(rs)) continue;
    const by = view.catalog.findZone(rs.owner);
    if (by && by !== z.zone) {
      const atApex = rs.owner.length === by.origin.length;
      if (atApex && (rs.type === TYPE.NS || rs.type === TYPE.DS)) continue;
      if ((rs.type === TYPE.A || rs.type === TYPE.AAAA) && nsTargets.has(nameKey(rs.owner))) continue;
      out.shadowed.push({ rrset: rs, by });
    } else if (!z.zone.delegated(rs.owner) && !(rs.type === TYPE.DS && rs.owner.length === z.origin.length)) {
      out.unexplained.push(rs);
    }
  }
  return out;
}

export class LintContext {
  /** The served RRsets of this zone, in canonical order: what the rules inspect. */
  readonly records: readonly RRset[];

  constructor(
    readonly zone: LintZone,
    readonly view: LintView,
    private readonly rules: ReadonlyMap<string, RuleInfo>,
    private readonly out: Problem[],
  ) {
    this.records = servedRRsets(view, zone);
  }

  /** What a resolver asking only us gets for `name` and `type`. */
  ask(name: Name, type: number): Resolution {
    return this.view.ask(name, type);
  }

  /** The RRset served at exactly `owner` (any case), not through a CNAME; a wildcard's if one answers. */
  get(owner: Name, type: number): RRset | undefined {
    const r = this.view.ask(owner, type);
    return r.kind === 'success' && r.cnames.length === 0 ? r.rrset : undefined;
  }

  /** The zone of ours that answers for `name`. */
  zoneOf(name: Name): LintZone | undefined {
    const z = this.view.catalog.findZone(lowerName(name));
    return z && this.view.zones.find((l) => l.zone === z);
  }

  /** The name is a host whose entry already had a reported error: no follow-on findings for it. */
  tainted(name: Name): boolean {
    const z = this.zoneOf(name);
    if (!z || z.reverse) return false;
    const k = nameKey(lowerName(name));
    return z.model.hosts.some((h) => h.invalid && nameKey(h.owner) === k);
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
  return `${nameToText(rs.written ?? rs.owner)} ${rs.ttl} ${classToText(rs.klass)} ${typeToText(rs.type)} ${text}`;
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
