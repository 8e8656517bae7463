/**
 * Questions answered from our zones, the one way there is: `zoneFor` picks
 * the zone exactly as the server does for a query, and `lookup` answers in
 * it. `resolve` adds only what a resolver asking nobody but us would do on
 * top of those answers: follow a CNAME whose target lies in another zone of
 * ours (RFC 1034 §5.3.3, step 3 of the resolver algorithm). The lint asks
 * its questions here, so what it certifies is what resolvers are told.
 */
import { type Name, lowerName, nameKey } from '../util/name.js';
import { TYPE } from '../wire/constants.js';
import type { RRset } from '../wire/rrset.js';
import type { Catalog, Zone } from '../zone/zone.js';
import { lookup, type Outcome, type OutcomeKind } from './lookup.js';

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

export interface Resolution {
  /** `refused`: no zone of ours holds the name (the server answers REFUSED); otherwise the outcome at the end of the chain. */
  kind: OutcomeKind | 'refused';
  /** The question's name (lower-cased) and type. */
  qname: Name;
  qtype: number;
  /** The name the last answer is for, after the CNAMEs (lower-cased). */
  name: Name;
  /** The name of the last question, the one `outcome` answers (the query name, or the CNAME target it restarted at). */
  asked: Name;
  /** The zone that gave the last answer, and its outcome as the server writes it. */
  zone?: Zone;
  outcome?: Outcome;
  /** Success: the RRset of the asked type (a wildcard's has its `*` owner, RFC 4592 §2.1.1). */
  rrset?: RRset;
  /** The CNAME RRsets followed, in order, across our zones. */
  cnames: RRset[];
  /** The chain loops or is longer than a resolver follows: it gives up (SERVFAIL). */
  broken: boolean;
}

/** Links a resolver follows across zones (BIND and Unbound stop at 8-12 restarts). */
const MAX_RESTARTS = 8;

function cnameTarget(rs: RRset): Name | undefined {
  const p = rs.rdatas[0]?.parts[0];
  return p && !Buffer.isBuffer(p) ? p.name : undefined;
}

/** `type` at `name` as a resolver that asks only our server would end up with. */
export function resolve(catalog: Catalog, name: Name, qtype: number): Resolution {
  const qname = lowerName(name);
  const res: Resolution = { kind: 'refused', qname, qtype, name: qname, asked: qname, cnames: [], broken: false };
  const seen = new Set<string>();
  let lname = qname;
  for (let restart = 0; ; restart++) {
    res.name = lname;
    res.asked = lname;
    const zone = zoneFor(catalog, lname, qtype);
    if (!zone) { res.kind = 'refused'; res.zone = undefined; res.outcome = undefined; return res; }
    const out = lookup(zone, lname, lname, qtype);
    res.zone = zone;
    res.outcome = out;
    res.kind = out.kind;
    for (const p of out.answer) {
      if (p.rrset.type !== TYPE.CNAME || qtype === TYPE.CNAME) continue;
      res.cnames.push(p.rrset);
      const t = cnameTarget(p.rrset);
      if (t) res.name = lowerName(t);
    }
    const last = out.answer[out.answer.length - 1];
    if (out.kind !== 'success' || !last || last.rrset.type !== TYPE.CNAME || qtype === TYPE.CNAME || qtype === TYPE.ANY) {
      if (out.kind === 'success' && last) { res.rrset = last.rrset; res.name = lowerName(last.owner); }
      return res;
    }
    // The answer ends in a CNAME: its target is in another zone (or the chain looped or ran too long in this one).
    const target = cnameTarget(last.rrset);
    if (!target) return res;
    const key = nameKey(target);
    if (seen.has(key) || restart === MAX_RESTARTS || zoneFor(catalog, lowerName(target), qtype) === zone) { res.broken = true; return res; }
    seen.add(key);
    lname = lowerName(target);
  }
}
