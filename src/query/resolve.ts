/**
 * Questions answered from our zones, the one way there is: `zoneFor` picks
 * the zone exactly as the server does for a query, and `lookup` answers in
 * it. `resolve` adds only what a resolver asking nobody but us would do on
 * top of those answers: follow a CNAME whose target lies in another zone of
 * ours (RFC 1034 §5.3.3, step 3 of the resolver algorithm). The lint asks
 * its questions here, so what it certifies is what resolvers are told.
 */
import { type Name, lowered, nameKey } from '../util/name.js';
import { TYPE } from '../wire/constants.js';
import type { RRset } from '../wire/rrset.js';
import type { Catalog, Zone } from '../zone/zone.js';
import { cnameTarget, lookup, type Outcome, type OutcomeKind } from './lookup.js';

/**
 * The zone that answers `lname` (lower-cased) for `qtype`: the closest
 * enclosing zone we serve, except that DS at a zone's apex is parent-side
 * data (RFC 4035 §3.1.4.1), answered by the parent when we serve it too.
 */
export function zoneFor(catalog: Catalog, lname: Name, qtype: number): Zone | undefined {
  const zone = catalog.findZone(lname);
  if (zone && qtype === TYPE.DS && lname.length === zone.origin.length && lname.length > 0) return catalog.findZone(lname.slice(1)) ?? zone;
  return zone;
}

/** One question a resolver asks us on the way, and the answer the server gives it. */
export interface Step {
  asked: Name;
  zone: Zone;
  outcome: Outcome;
}

export interface Resolution {
  /**
   * `refused`: no zone of ours holds the name (the server answers REFUSED);
   * `servfail`: the CNAME chain loops or is longer than resolvers follow, so
   * they give up; otherwise the outcome at the end of the chain.
   */
  kind: OutcomeKind | 'refused' | 'servfail';
  /** The question's name (lower-cased) and type. */
  qname: Name;
  qtype: number;
  /** The name the last answer is for, after the CNAMEs (lower-cased). */
  name: Name;
  /** Every question asked, in order: the query name, then each CNAME target in another zone of ours. */
  steps: Step[];
  /** The zone and outcome of the last step. */
  zone?: Zone;
  outcome?: Outcome;
  /** Success (and only success): the RRset of the asked type (a wildcard's has its `*` owner, RFC 4592 §2.1.1). */
  rrset?: RRset;
  /** The CNAME RRsets followed, in order, across our zones. */
  cnames: RRset[];
}

/** Links a resolver follows across zones (BIND and Unbound stop at 8-12 restarts). */
const MAX_RESTARTS = 8;

/**
 * RFC 1034 §4.3.2 over all our zones: step 2 picks the zone (zoneFor),
 * step 3 answers in it (lookup), and a CNAME whose target another zone of
 * ours holds goes "back to step 1" with the new QNAME in that zone, as NSD
 * and BIND do; so does a chain that led into a cut we also serve the child
 * of (the resolver would follow the referral to us). This is both what the
 * server writes (the steps' answers together, see mergeSteps) and what a
 * resolver asking only us ends up with, so the lint asks here too.
 * `written` is the query name as the client spelled it (echoed in the answer).
 */
export function resolve(catalog: Catalog, name: Name, qtype: number, written: Name = name): Resolution {
  const qname = lowered(name);
  const res: Resolution = { kind: 'refused', qname, qtype, name: qname, steps: [], cnames: [] };
  let seen: Set<string> | undefined;
  let lname: Name = qname;
  let owner: Name = written;
  for (let restart = 0; ; restart++) {
    res.name = lname;
    const zone = zoneFor(catalog, lname, qtype);
    if (!zone) { res.kind = 'refused'; return res; }
    const out = lookup(zone, owner, lname, qtype);
    res.steps.push({ asked: lname, zone, outcome: out });
    res.zone = zone;
    res.outcome = out;
    res.kind = out.kind;
    let last: RRset | undefined;
    for (const p of out.answer) {
      last = p.rrset;
      if (p.rrset.type !== TYPE.CNAME || qtype === TYPE.CNAME || qtype === TYPE.ANY) continue;
      res.cnames.push(p.rrset);
      const t = cnameTarget(p.rrset);
      if (t) res.name = lowered(t);
    }
    const chained = !!last && last.type === TYPE.CNAME && qtype !== TYPE.CNAME && qtype !== TYPE.ANY;
    if (out.kind === 'nxdomain' || out.kind === 'nodata') return res;
    if (!chained) {
      if (out.kind === 'success') res.rrset = last;
      return res;
    }
    // The chain goes on where this zone stops: at a CNAME whose target is in
    // another zone, or at a cut it led into. In this same zone it looped or
    // ran too long, and resolvers give up.
    const target = res.name;
    if (zoneFor(catalog, target, qtype) === zone) {
      if (out.kind !== 'referral') res.kind = 'servfail';
      return res;
    }
    const key = nameKey(target);
    // The query name counts as seen: a chain back to it is a loop, and no RRset is written twice (RFC 2181 §5).
    seen ??= new Set<string>([nameKey(qname)]);
    if (seen.has(key) || restart === MAX_RESTARTS) { res.kind = 'servfail'; return res; }
    seen.add(key);
    lname = target;
    owner = target;
  }
}

/**
 * The reply's sections for a resolution: each step's answer in order (the
 * chain across our zones), the last step's authority (its SOA, or the NS of
 * its referral) and every step's additional data; its kind is the last
 * step's (RFC 6604 §3: the rcode of the last name). One step is its outcome.
 */
export function mergeSteps(steps: readonly Step[]): Outcome {
  if (steps.length === 1) return steps[0]!.outcome;
  const last = steps[steps.length - 1]!.outcome;
  return {
    ...last,
    answer: steps.flatMap((s) => s.outcome.answer),
    additional: steps.flatMap((s) => s.outcome.additional),
    chained: true,
  };
}
