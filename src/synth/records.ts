/**
 * From the validated model to RRsets: SOA and NS from the zone header, A and
 * AAAA from hosts:, and the explicit records:. Explicit records replace what a
 * helper synthesized at the same owner and type. Each RRset remembers its
 * sources (file:line and helper) for `explain` and export comments.
 */
import { type Name, isSubdomain, nameKey, nameToText } from '../util/name.js';
import { type At, type Problem, problem } from '../util/problem.js';
import { CLASS, TYPE, typeFromText, typeToText, isMetaType } from '../wire/constants.js';
import { type Rdata, parseRdata, RdataError } from '../wire/rdata.js';
import { makeRRset, type RRset, type Source } from '../wire/rrset.js';
import type { SoaModel, ZoneModel } from '../config/model.js';
import { valueTokens } from './values.js';

/** An RRset being assembled: several sources may add to it before it is frozen. */
interface Draft {
  owner: Name;
  type: number;
  ttl: number;
  rdatas: Rdata[];
  /** One per RDATA. */
  sources: Source[];
  explicit: boolean;
}

/** A record one zone's intent asks another zone to publish (e.g. DMARC report authorization). */
export interface ForeignRecord {
  owner: Name;
  type: number;
  ttl: number;
  rdata: Rdata;
  source: Source;
}

/** Does this TXT RDATA start with "v=spf1" (RFC 7208 §4.5: the version, then space or end)? */
export function isSpfRdata(rd: Rdata): boolean {
  const w = rd.wire;
  if (w.length < 7 || w[0]! < 6) return false;
  const first = w.subarray(1, 1 + w[0]!);
  return first.subarray(0, 6).toString('latin1').toLowerCase() === 'v=spf1' && (first.length === 6 || first[6] === 0x20);
}

export class RRsetCollector {
  private readonly drafts = new Map<string, Draft>();
  /** Records for other zones, routed by the loader. */
  readonly foreign: ForeignRecord[] = [];
  constructor(readonly origin: Name, readonly problems: Problem[]) {}

  private key(owner: Name, type: number): string {
    return `${nameKey(owner)}/${type}`;
  }

  get(owner: Name, type: number): Draft | undefined {
    return this.drafts.get(this.key(owner, type));
  }

  /**
   * Adds records. Explicit records (records:) beat synthesized ones at the
   * same owner and type, in whichever order they arrive; TXT at the apex is
   * the exception: a verification token sits beside the synthesized SPF, so
   * they merge, unless the explicit set has its own v=spf1 record.
   */
  add(owner: Name, type: number, ttl: number, rdatas: Rdata[], source: Source | Source[], explicit: boolean): void {
    // One source for all, or one per RDATA.
    const sources = Array.isArray(source) ? source : rdatas.map(() => source);
    const first = sources[0];
    // RFC 1034 §4.2: a zone holds only names at or below its apex. Every
    // producer (hosts:, records:, the helpers) hands its records in here, so
    // this is where an owner outside the zone is refused, at its source,
    // before the trie would refuse the whole zone.
    if (!isSubdomain(owner, this.origin)) {
      if (!first) return;
      this.problems.push(problem({ file: first.file, line: first.line, col: first.col }, 'out-of-zone', `${nameToText(owner)} ${typeToText(type)} is not inside the zone ${nameToText(this.origin)}`,
        'name a host inside the zone (relative to it, or ending in its name)'));
      return;
    }
    const k = this.key(owner, type);
    const prev = this.drafts.get(k);
    if (!prev) {
      this.drafts.set(k, { owner, type, ttl, rdatas: [...rdatas], sources, explicit });
      return;
    }
    if (prev.explicit !== explicit && !this.mergesAtApex(owner, type, prev, rdatas, explicit)) {
      if (explicit) this.drafts.set(k, { owner, type, ttl, rdatas: [...rdatas], sources, explicit });
      return;
    }
    if (prev.ttl !== ttl) {
      // RFC 2181 §5.2: all records of an RRset have one TTL; the explicit one wins.
      if (prev.explicit === explicit) {
        this.problems.push(problem(first, 'rrset-ttl', `${nameToText(owner)} ${typeToText(type)} already has TTL ${prev.ttl} (from ${prev.sources[0]!.file}:${prev.sources[0]!.line}); this one says ${ttl}`,
          'give every record of one name and type the same ttl (RFC 2181 §5.2)'));
        return;
      }
      if (explicit) prev.ttl = ttl;
    }
    prev.rdatas.push(...rdatas);
    prev.sources.push(...sources);
    prev.explicit ||= explicit;
  }

  private mergesAtApex(owner: Name, type: number, prev: Draft, rdatas: Rdata[], explicit: boolean): boolean {
    if (type !== TYPE.TXT || owner.length !== this.origin.length) return false;
    const explicitSet = explicit ? rdatas : prev.rdatas;
    return !explicitSet.some(isSpfRdata);
  }

  /** Is `name` at or below a zone cut of this zone (an NS RRset below the apex)? Its data is the child's. */
  delegated(name: Name): boolean {
    for (let n = name; n.length > this.origin.length; n = n.slice(1)) {
      if (this.drafts.has(this.key(n, TYPE.NS))) return true;
    }
    return false;
  }

  /** A record for whichever of our zones holds `owner` (dropped if none does). */
  addForeign(r: ForeignRecord): void {
    this.foreign.push(r);
  }

  /**
   * The zone's RRsets, once: the drafts (and the foreign records, routed by
   * then) are let go, since the loader keeps only the RRsets (the drafts of
   * every zone at once were a good part of a large load's peak of memory).
   */
  rrsets(): RRset[] {
    const out = [...this.drafts.values()].map((d) => makeRRset(d.owner, d.type, CLASS.IN, d.ttl, d.rdatas, d.sources));
    this.drafts.clear();
    this.foreign.length = 0;
    return out;
  }
}

export function src(at: At, helper: string): Source {
  return { file: at.file, line: at.line, col: at.col, helper };
}

export function rdataOrProblem(type: number, tokens: string[], origin: Name, at: At, problems: Problem[]): Rdata | undefined {
  try {
    return parseRdata(type, tokens, origin);
  } catch (e) {
    if (!(e instanceof RdataError)) throw e;
    problems.push(problem(at, e.rule ?? 'rdata', `${typeToText(type)}: ${e.message}`, e.rule === 'txt-string-length' ? 'in YAML write the text as one string (mailns splits it), or list the pieces: value: [part one, part two]' : undefined));
    return undefined;
  }
}

/**
 * The SOA RDATA of a zone (forward or reverse) as tokens. `serial: auto` is
 * 0 here: the loader sets the serial once the zone's content is known.
 */
export function soaTokens(soa: SoaModel): string[] {
  return [nameToText(soa.mname), nameToText(soa.rname), String(soa.serial === 'auto' ? 0 : soa.serial), String(soa.refresh), String(soa.retry), String(soa.expire), String(soa.minimum)];
}

/** SOA, NS and the hosts' A/AAAA of one zone; semantic checks are in ./checks.ts. */
export function synthesizeBase(model: ZoneModel, out: RRsetCollector): void {
  const { origin, soa } = model;
  const problems = out.problems;
  const soaRd = rdataOrProblem(TYPE.SOA, soaTokens(soa), origin, soa.at, problems);
  if (soaRd) out.add(origin, TYPE.SOA, soa.ttl, [soaRd], src(soa.at, 'soa'), false);

  for (const ns of model.nameservers) {
    const rd = rdataOrProblem(TYPE.NS, [nameToText(ns.name)], origin, ns.at, problems);
    if (rd) out.add(origin, TYPE.NS, model.ttl, [rd], src(ns.at, 'nameservers'), false);
  }

  for (const h of model.hosts) {
    for (const a of h.ipv4) {
      const rd = rdataOrProblem(TYPE.A, [a.address], origin, a.at, problems);
      if (rd) out.add(h.owner, TYPE.A, h.ttl, [rd], src(a.at, 'hosts'), false);
    }
    for (const a of h.ipv6) {
      const rd = rdataOrProblem(TYPE.AAAA, [a.address], origin, a.at, problems);
      if (rd) out.add(h.owner, TYPE.AAAA, h.ttl, [rd], src(a.at, 'hosts'), false);
    }
  }

}

/** The explicit records: (after the helpers' records, so that they win). */
export function synthesizeRecords(model: ZoneModel, out: RRsetCollector): void {
  const { origin } = model;
  const problems = out.problems;
  // Gather per owner/type first so that a list of entries is one RRset.
  const explicit = new Map<string, { owner: Name; type: number; ttl: number; rdatas: Rdata[]; sources: Source[]; at: At }>();
  for (const r of model.records) {
    const type = typeFromText(r.type);
    if (type === undefined || isMetaType(type)) {
      problems.push(problem(r.at, 'type', `"${r.type}" is not a record type that can be published`, 'use a type mnemonic (A, MX, TXT, ...) or TYPEnnn with RFC 3597 data "\\# len hex"'));
      continue;
    }
    const rdatas: Rdata[] = [];
    const sources: Source[] = [];
    for (const v of r.values) {
      let tokens: string[];
      try {
        tokens = valueTokens(type, v.value);
      } catch (e) {
        problems.push(problem(v.at, 'rdata', `${r.type}: ${(e as Error).message}`));
        continue;
      }
      const rd = rdataOrProblem(type, tokens, origin, v.at, problems);
      // Each record keeps the place of its own value, so findings point at it.
      if (rd) { rdatas.push(rd); sources.push(src(v.at, 'records')); }
    }
    const k = `${nameKey(r.owner)}/${type}`;
    const prev = explicit.get(k);
    if (prev) {
      if (prev.ttl !== r.ttl) problems.push(problem(r.at, 'rrset-ttl', `${nameToText(r.owner)} ${r.type} has TTL ${prev.ttl} at ${prev.at.file}:${prev.at.line} and ${r.ttl} here`, 'one TTL per name and type (RFC 2181 §5.2)'));
      prev.rdatas.push(...rdatas);
      prev.sources.push(...sources);
    } else {
      explicit.set(k, { owner: r.owner, type, ttl: r.ttl, rdatas, sources, at: r.at });
    }
  }
  for (const e of explicit.values()) {
    if (e.rdatas.length) out.add(e.owner, e.type, e.ttl, e.rdatas, e.sources, true);
  }
}

