/**
 * The SOA of a negative answer (RFC 2308 §3) when its zone's apex ends the
 * question, as it does unless a CNAME led into another zone: written from
 * one encoding per zone (src/wire/below-owner.ts), its names pointing into
 * the question, with no name looked up.
 */
import { foldOctet, type Name } from '../util/name.js';
import { belowOwner, type BelowOwner } from '../wire/below-owner.js';
import { TYPE } from '../wire/constants.js';
import type { DecodedQuery } from '../wire/decode.js';
import type { RRset } from '../wire/rrset.js';
import type { MessageWriter } from '../wire/writer.js';
import type { Placed } from './lookup.js';

/** Negative answers' SOA RRsets, encoded once each (they live as long as their zone). */
const ENCODED = new WeakMap<RRset, BelowOwner>();

/** `label` (as the client wrote it, in any case) equals `lower`, already lower-cased (RFC 4343 §3), with no copy made. */
function sameAsLower(label: string, lower: string): boolean {
  if (label.length !== lower.length) return false;
  for (let i = 0; i < label.length; i++) if (foldOctet(label.charCodeAt(i)) !== lower.charCodeAt(i)) return false;
  return true;
}

/** Where `owner`'s labels begin in the question (written at offset 12, never compressed), when its name ends in it; else -1. */
function ownerInQuestion(q: DecodedQuery, owner: Name): number {
  const above = q.qname.length - owner.length;
  if (above < 0) return -1;
  for (let i = 0; i < owner.length; i++) if (!sameAsLower(q.qname[above + i]!, owner[i]!)) return -1;
  let at = 12;
  for (let i = 0; i < above; i++) at += q.qname[i]!.length + 1;
  return at;
}

/** The records written (throws Overflow like any write), or -1 when `p` is not such an SOA: the caller writes it. */
export function writeNegativeSoa(writer: MessageWriter, q: DecodedQuery, p: Placed): number {
  const at = p.rrset.type === TYPE.SOA && p.owner.length === p.rrset.owner.length ? ownerInQuestion(q, p.rrset.owner) : -1;
  if (at < 0) return -1;
  let t = ENCODED.get(p.rrset);
  if (!t) { t = belowOwner(p.rrset); ENCODED.set(p.rrset, t); }
  return writer.belowOwner(t, at);
}
