/**
 * RFC 1034 §4.3.2 step 3, for one zone: walk the name from the apex down one
 * label at a time, stop at the first zone cut (referral), note the wildcard
 * at the closest encloser (RFC 4592 §3.3.1), follow CNAMEs inside the zone,
 * and end in one named outcome.
 */
import { type Name, isSubdomain, lowered } from '../util/name.js';
import { TYPE } from '../wire/constants.js';
import { rdataTarget } from '../wire/rdata.js';
import type { RRset } from '../wire/rrset.js';
import type { Zone, ZoneNode } from '../zone/zone.js';

/** An RRset to write, and the owner to write it under (the query name for wildcards). */
export interface Placed {
  owner: Name;
  rrset: RRset;
  /** In-domain glue of a referral: if it does not fit, the reply is truncated (RFC 9471 §3). */
  required?: boolean;
}

export type OutcomeKind = 'success' | 'nxdomain' | 'nodata' | 'referral';

export interface Outcome {
  kind: OutcomeKind;
  /** Authoritative data in the answer section (CNAME chain included). */
  answer: Placed[];
  /** SOA for negative answers, NS for referrals. */
  authority: Placed[];
  additional: Placed[];
  /** A CNAME chain was followed (RFC 1034 §4.3.2 step 3a). */
  chained: boolean;
  /** The wildcard owner that answered (RFC 4592 §3.3.1), at the end of the chain, when one did. */
  wildcard?: Name;
}

/**
 * Longest CNAME chain we follow inside a zone (BIND's limit too). Past it,
 * like at a loop, the answer holds the chain so far and the resolver goes on
 * from its last target (RFC 1034 §4.3.2 step 3a); no SOA, since we did not
 * prove anything absent.
 */
const MAX_CHAIN = 16;

type Descent =
  | { kind: 'node'; node: ZoneNode; wildcard: boolean }
  | { kind: 'cut'; node: ZoneNode }
  | { kind: 'nxdomain' };

function descend(zone: Zone, name: Name, qtype: number): Descent {
  let node = zone.apex;
  for (let i = name.length - zone.origin.length - 1; i >= 0; i--) {
    const child = node.children.get(name[i]!);
    if (!child) {
      // Names answered without being stored (generic reverse names) come before wildcards.
      if (zone.synthesizers.length) {
        const made = zone.synthesize(name);
        if (made) return { kind: 'node', node: made, wildcard: false };
      }
      // RFC 4592 §3.3.1: only the closest encloser's wildcard can match, so
      // names below an existing node (even an empty non-terminal) never do.
      const wild = node.children.get('*');
      if (wild) return wild.cut ? { kind: 'cut', node: wild } : { kind: 'node', node: wild, wildcard: true };
      return { kind: 'nxdomain' };
    }
    node = child;
    // RFC 1034 §4.3.2 3b: a cut on the way down means a referral, except that
    // DS at the cut itself is parent-side data (RFC 4035 §3.1.4.1).
    if (node.cut && !(i === 0 && qtype === TYPE.DS)) return { kind: 'cut', node };
  }
  return { kind: 'node', node, wildcard: false };
}

/** `qname` as the client wrote it; `lname` lower-cased; both inside `zone`. */
export function lookup(zone: Zone, qname: Name, lname: Name, qtype: number): Outcome {
  const out: Outcome = { kind: 'success', answer: [], authority: [], additional: [], chained: false, wildcard: undefined };
  const soa = (): Placed[] => [{ owner: zone.origin, rrset: zone.negativeSoa }];
  let owner: Name = qname;
  let name: Name = lname;
  // Nodes seen along a CNAME chain; made only when a chain is followed (most queries have none).
  let visited: Set<ZoneNode> | undefined;
  let first: ZoneNode | undefined;
  for (let step = 1; ; step++) {
    const d = descend(zone, name, qtype);
    if (d.kind === 'nxdomain') {
      // RFC 6604 §3: the rcode is that of the last name in the chain.
      out.kind = 'nxdomain';
      out.authority = soa();
      return out;
    }
    if (d.kind === 'cut') {
      out.kind = 'referral';
      const ns = d.node.rrsets.get(TYPE.NS)!;
      out.authority = [{ owner: ns.owner, rrset: ns }];
      addTargets(zone, [ns], out.additional, ns.owner);
      return out;
    }
    const node = d.node;
    out.wildcard = d.wildcard ? node.name : undefined;
    if (step === 1) first = node;
    else {
      visited ??= new Set<ZoneNode>([first!]);
      if (visited.has(node)) return out; // CNAME loop: answer what we have (RFC 1034 §3.6.2)
      visited.add(node);
    }
    if (qtype === TYPE.ANY) {
      if (node.rrsets.size === 0) break;
      for (const rs of node.rrsets.byType()) out.answer.push({ owner, rrset: rs });
      addTargets(zone, [...node.rrsets.values()], out.additional);
      return out;
    }
    const rs = node.rrsets.get(qtype);
    if (rs) {
      out.answer.push({ owner, rrset: rs });
      addTargets(zone, [rs], out.additional);
      return out;
    }
    const cname = node.rrsets.get(TYPE.CNAME);
    if (!cname) break;
    out.answer.push({ owner, rrset: cname });
    out.chained = true;
    const target = cnameTarget(cname);
    // Targets outside this zone are left to the resolver (RFC 1034 §4.3.2 3a).
    if (!target || !isSubdomain(target, zone.origin) || step === MAX_CHAIN) return out;
    owner = target;
    name = lowered(target);
  }
  out.kind = 'nodata';
  out.authority = soa();
  return out;
}

/** The canonical name a CNAME RRset points at (RFC 1034 §3.6.2: it holds one record). */
export function cnameTarget(rs: RRset): Name | undefined {
  const rd = rs.rdatas[0];
  return rd && rdataTarget(TYPE.CNAME, rd);
}

/**
 * Additional-section processing (RFC 1034 §3.6.2, RFC 1035 §3.3.9 and
 * §3.3.11, RFC 2782): A and AAAA for the MX, NS and SRV targets we hold in
 * this zone. Glue below a cut goes only into referrals: beside an
 * authoritative answer it would look authoritative (RFC 2181 §5.4.1).
 */
function addTargets(zone: Zone, rrsets: RRset[], into: Placed[], cut?: Name): void {
  const referral = cut !== undefined;
  const seen = new Set<ZoneNode>();
  for (const rs of rrsets) {
    if (rs.type !== TYPE.MX && rs.type !== TYPE.NS && rs.type !== TYPE.SRV) continue;
    for (const rd of rs.rdatas) {
      const t = rdataTarget(rs.type, rd);
      if (!t || !isSubdomain(t, zone.origin)) continue;
      const node = referral ? zone.node(lowered(t)) : zone.authoritativeNode(lowered(t));
      if (!node || seen.has(node)) continue;
      seen.add(node);
      for (const type of [TYPE.A, TYPE.AAAA]) {
        const addr = node.rrsets.get(type);
        // RFC 9471 §2.1: glue below the delegation itself is in-domain and required; sibling glue is optional.
        if (addr) into.push({ owner: addr.owner, rrset: addr, required: referral && isSubdomain(addr.owner, cut) });
      }
    }
  }
}
