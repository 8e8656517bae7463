/**
 * IP networks and their reverse names: in-addr.arpa (RFC 1035 §3.5),
 * ip6.arpa nibbles (RFC 3596 §2.5), RFC 2317 classless zones. Addresses are
 * bigints so IPv4 and IPv6 share one code path.
 */
import { addressToBigint, formatAddress } from '../../wire/address.js';

export interface Network {
  family: 4 | 6;
  /** First address of the network. */
  base: bigint;
  prefix: number;
  /** Address width in bits: 32 or 128. */
  bits: number;
  text: string;
}


export function parseNetwork(text: string): Network | { error: string } {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return { error: `"${text}" is not a network: write address/prefix, e.g. 192.0.2.0/24 or 2001:db8::/48` };
  const a = addressToBigint(m[1]!);
  if (!a) return { error: `"${m[1]}" is not an IP address` };
  const bits = a.family === 4 ? 32 : 128;
  const prefix = Number(m[2]);
  if (prefix > bits || prefix < (a.family === 4 ? 8 : 4)) return { error: `prefix /${prefix} is out of range for IPv${a.family} (reverse zones from /${a.family === 4 ? 8 : 4} to /${bits})` };
  const hostBits = BigInt(bits - prefix);
  if ((a.value & ((1n << hostBits) - 1n)) !== 0n) return { error: `${text} has host bits set: the network is ${formatAddress(a.family, (a.value >> hostBits) << hostBits)}/${prefix}` };
  return { family: a.family, base: a.value, prefix, bits, text: `${formatAddress(a.family, a.value)}/${prefix}` };
}

export function contains(net: Network, family: 4 | 6, value: bigint): boolean {
  if (family !== net.family) return false;
  const hostBits = BigInt(net.bits - net.prefix);
  return value >> hostBits === net.base >> hostBits;
}

/** Is `inner` inside `outer` (or equal)? */
export function within(inner: Network, outer: Network): boolean {
  return inner.family === outer.family && inner.prefix >= outer.prefix && contains(outer, inner.family, inner.base);
}


/** Labels of the full reverse name of an address (left to right, without the arpa suffix handling). */
export function reverseLabels(family: 4 | 6, v: bigint): string[] {
  if (family === 4) return [0n, 8n, 16n, 24n].map((s) => String((v >> s) & 255n)).concat(['in-addr', 'arpa']);
  const out: string[] = [];
  for (let i = 0; i < 32; i++) out.push(((v >> BigInt(i * 4)) & 0xfn).toString(16));
  return out.concat(['ip6', 'arpa']);
}

/** The zone name for an octet- (IPv4) or nibble-aligned (IPv6) network, or undefined when it is not aligned. */
export function alignedZone(net: Network): string[] | undefined {
  const unit = net.family === 4 ? 8 : 4;
  if (net.prefix % unit !== 0) return undefined;
  const full = reverseLabels(net.family, net.base);
  const hostLabels = (net.bits - net.prefix) / unit;
  return full.slice(hostLabels);
}

/**
 * Parses a reverse owner name inside `zoneOrigin` back to the address range it
 * names: a full address, or a prefix (an empty non-terminal). For an RFC 2317
 * zone the owner is `<last octet>.<zone>`. Labels lower-cased.
 */
export function addressOfReverseName(lname: readonly string[], zoneOrigin: readonly string[], net: Network, classless: boolean): { value: bigint; prefix: number } | undefined {
  const rel = lname.slice(0, lname.length - zoneOrigin.length);
  if (classless) {
    if (rel.length !== 1 || !/^(0|[1-9][0-9]{0,2})$/.test(rel[0]!)) return undefined;
    const o = BigInt(Number(rel[0]));
    if (o > 255n) return undefined;
    return { value: (net.base & ~0xffn) | o, prefix: 32 };
  }
  const unit = net.family === 4 ? 8 : 4;
  const zoneBits = net.prefix; // aligned: the zone is the network
  let v = net.base;
  // rel is most-specific first: the last label of rel is the next unit after the zone's bits.
  for (let i = rel.length - 1, k = 0; i >= 0; i--, k++) {
    const l = rel[i]!;
    const shift = BigInt(net.bits - zoneBits - (k + 1) * unit);
    if (shift < 0n) return undefined;
    let n: number;
    if (net.family === 4) { if (!/^(0|[1-9][0-9]{0,2})$/.test(l)) return undefined; n = Number(l); if (n > 255) return undefined; }
    else { if (!/^[0-9a-f]$/.test(l)) return undefined; n = parseInt(l, 16); }
    v |= BigInt(n) << shift;
  }
  return { value: v, prefix: zoneBits + rel.length * unit };
}
