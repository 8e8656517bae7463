/**
 * Generic names for addresses without a host (the naming ISPs use,
 * ip-192-0-2-77.pool.example.com.): formatted and parsed from one template,
 * answered on query and never stored, so a /48 costs nothing.
 */
import { lowerLabel, lowerName, MAX_LABEL_OCTETS, MAX_NAME_OCTETS, type Name, nameToText, wireLength } from '../../util/name.js';
import { CLASS, TYPE } from '../../wire/constants.js';
import { parseRdata } from '../../wire/rdata.js';
import { makeRRset, type NameSynthesizer, type RRset } from '../../wire/rrset.js';
import { addressOfReverseName, contains, reverseLabels, type Network } from './network.js';
import { formatAddress } from '../../wire/address.js';

export interface GenericTemplate {
  /** Text of the first label before and after {dashed}. */
  before: string;
  after: string;
  /** The name below which generic names live (lower-cased). */
  suffix: Name;
}

/** Longest {dashed} text: 255-255-255-255, or eight groups of four hex digits. */
const DASHED_MAX = { 4: 15, 6: 39 } as const;

/**
 * The template from the parsed name (so escapes are already octets): its
 * first label holds {dashed} once, and every name it makes must fit the
 * RFC 1035 §2.3.4 limits, since they are made on query.
 */
export function parseTemplate(name: Name, family: 4 | 6): GenericTemplate | { error: string } {
  const text = nameToText(name);
  const parts = (name[0] ?? '').split('{dashed}');
  if (parts.length !== 2) return { error: `"${text}": the first label must hold {dashed} once, e.g. ip-{dashed}.pool.example.com.` };
  if (name.length < 2) return { error: `"${text}": give the domain after the first label` };
  const longest = parts[0]!.length + DASHED_MAX[family] + parts[1]!.length;
  if (longest > MAX_LABEL_OCTETS) return { error: `"${text}": its first label reaches ${longest} octets for IPv${family} addresses, the limit is ${MAX_LABEL_OCTETS} (RFC 1035 §2.3.4)` };
  const suffix = lowerName(name.slice(1));
  const len = wireLength(suffix) + 1 + longest;
  if (len > MAX_NAME_OCTETS) return { error: `"${text}": its names reach ${len} octets on the wire, the limit is ${MAX_NAME_OCTETS} (RFC 1035 §2.3.4)` };
  return { before: lowerLabel(parts[0]!), after: lowerLabel(parts[1]!), suffix };
}

/** 192-0-2-77, or for IPv6 the eight groups without leading zeros: 2001-db8-1234-0-0-0-0-77. */
export function dashed(family: 4 | 6, v: bigint): string {
  if (family === 4) return formatAddress(4, v).replace(/\./g, '-');
  const g: string[] = [];
  for (let i = 7; i >= 0; i--) g.push(((v >> BigInt(i * 16)) & 0xffffn).toString(16));
  return g.join('-');
}

export function genericName(t: GenericTemplate, family: 4 | 6, v: bigint): Name {
  return [`${t.before}${dashed(family, v)}${t.after}`, ...t.suffix];
}

/** The address a generic first label names, only in its one canonical spelling. */
export function parseGenericLabel(t: GenericTemplate, family: 4 | 6, label: string): bigint | undefined {
  if (!label.startsWith(t.before) || !label.endsWith(t.after) || label.length <= t.before.length + t.after.length) return undefined;
  const mid = label.slice(t.before.length, label.length - t.after.length);
  let v: bigint;
  if (family === 4) {
    const m = /^(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})$/.exec(mid);
    if (!m) return undefined;
    const o = m.slice(1).map(Number);
    if (o.some((x) => x > 255)) return undefined;
    v = o.reduce((a, x) => (a << 8n) | BigInt(x), 0n);
  } else {
    if (!/^[0-9a-f]{1,4}(-[0-9a-f]{1,4}){7}$/.test(mid)) return undefined;
    v = mid.split('-').reduce((a, x) => (a << 16n) | BigInt(parseInt(x, 16)), 0n);
  }
  return dashed(family, v) === mid ? v : undefined;
}

/** Addresses in a network. */
export function networkSize(net: Network): bigint {
  return 1n << BigInt(net.bits - net.prefix);
}

function* addresses(net: Network): Generator<bigint> {
  const n = networkSize(net);
  for (let k = 0n; k < n; k++) yield net.base + k;
}

function single(owner: Name, type: number, ttl: number, tokens: string[]): ReadonlyMap<number, RRset> {
  return new Map([[type, makeRRset([...owner], type, CLASS.IN, ttl, [parseRdata(type, tokens, [])])]]);
}

/** PTRs for the addresses of a reverse zone that have no stored PTR. */
export class ReverseGeneric implements NameSynthesizer {
  readonly description: string;
  readonly fingerprint: string;
  constructor(private readonly origin: Name, private readonly net: Network, private readonly classless: boolean, private readonly template: GenericTemplate, private readonly ttl: number) {
    this.description = `generic reverse names of ${net.text}`;
    this.fingerprint = JSON.stringify(['PTR', net.text, classless, template.before, template.after, nameToText(template.suffix), ttl]);
  }

  size(): bigint { return networkSize(this.net); }

  *names(): Iterable<Name> {
    for (const v of addresses(this.net)) yield this.classless ? [String(Number(v & 255n)), ...this.origin] : reverseLabels(this.net.family, v);
  }

  lookup(lname: readonly string[]): ReadonlyMap<number, RRset> | 'ent' | undefined {
    const a = addressOfReverseName(lname, this.origin, this.net, this.classless);
    if (!a || !contains(this.net, this.net.family, a.value)) return undefined;
    if (a.prefix < this.net.bits) return 'ent';
    const target = genericName(this.template, this.net.family, a.value);
    return single(lname, TYPE.PTR, this.ttl, [nameToText(target)]);
  }
}

/**
 * A/AAAA for generic names, only for the addresses whose PTR is the generic
 * name (`hasGenericPtr`: in the network, not delegated, no other PTR), so
 * every forward name confirms.
 */
export class ForwardGeneric implements NameSynthesizer {
  readonly description: string;
  readonly fingerprint: string;
  constructor(private readonly template: GenericTemplate, private readonly net: Network, private readonly hasGenericPtr: (v: bigint) => boolean, private readonly ttl: number) {
    this.description = `generic names of ${net.text} under ${nameToText(template.suffix)}`;
    // Which addresses get a name also depends on the reverse zone's own PTRs (hasGenericPtr): those are its stored data, in its digest.
    this.fingerprint = JSON.stringify([net.family === 4 ? 'A' : 'AAAA', net.text, template.before, template.after, nameToText(template.suffix), ttl]);
  }

  size(): bigint { return networkSize(this.net); }

  *names(): Iterable<Name> {
    for (const v of addresses(this.net)) yield genericName(this.template, this.net.family, v);
  }

  lookup(lname: readonly string[]): ReadonlyMap<number, RRset> | 'ent' | undefined {
    const s = this.template.suffix;
    if (lname.length === s.length) return lname.every((l, i) => l === s[i]) ? 'ent' : undefined;
    if (lname.length !== s.length + 1) return undefined;
    for (let i = 0; i < s.length; i++) if (lname[i + 1] !== s[i]) return undefined;
    const v = parseGenericLabel(this.template, this.net.family, lname[0]!);
    if (v === undefined || !contains(this.net, this.net.family, v) || !this.hasGenericPtr(v)) return undefined;
    return single(lname, this.net.family === 4 ? TYPE.A : TYPE.AAAA, this.ttl, [formatAddress(this.net.family, v)]);
  }
}
