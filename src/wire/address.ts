/**
 * IP addresses as numbers (IPv4 and IPv6 on one code path, as bigints), in
 * RFC 5952 text, and address ranges for access lists (`transfer: {allow:
 * [...]}`, `--allow-transfer`): an address, or address/prefix without host
 * bits. An IPv4 client seen on a dual-stack socket as ::ffff:a.b.c.d matches
 * its IPv4 range (RFC 4291 §2.5.5.2).
 */
import { BlockList, isIP } from 'node:net';
import { compressV6, ipv6ToBytes } from './rdata.js';

export function addressToBigint(text: string): { family: 4 | 6; value: bigint } | undefined {
  const f = isIP(text);
  if (f === 4) return { family: 4, value: text.split('.').reduce((a, o) => (a << 8n) | BigInt(Number(o)), 0n) };
  if (f === 6) return { family: 6, value: BigInt('0x' + ipv6ToBytes(text).toString('hex')) };
  return undefined;
}

export function formatAddress(family: 4 | 6, v: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.');
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((v >> BigInt(i * 16)) & 0xffffn).toString(16));
  return compressV6(groups);
}

export interface Cidr { family: 4 | 6; address: string; prefix: number; text: string }

export function parseCidr(text: string): Cidr | { error: string } {
  const m = /^([^/\s]+)(?:\/(\d{1,3}))?$/.exec(text.trim());
  const a = m ? addressToBigint(m[1]!) : undefined;
  if (!m || !a) return { error: `"${text}" is not an address or address/prefix (e.g. 192.0.2.53, 198.51.100.0/24, 2001:db8::/32)` };
  const f = a.family;
  const bits = f === 4 ? 32 : 128;
  const prefix = m[2] === undefined ? bits : Number(m[2]);
  if (prefix > bits) return { error: `"${text}": prefix /${prefix} is longer than an IPv${f} address` };
  // Host bits set (192.0.2.1/24) usually means a typo in the prefix: say which network it is.
  const host = BigInt(bits - prefix);
  const base = (a.value >> host) << host;
  if (base !== a.value) return { error: `"${text}" has host bits set: the network is ${formatAddress(f, base)}/${prefix}` };
  return { family: f, address: m[1]!, prefix, text: m[2] === undefined ? m[1]! : `${m[1]}/${prefix}` };
}

/** An IPv4 client seen on a dual-stack socket as ::ffff:a.b.c.d (RFC 4291 §2.5.5.2) as its IPv4 address; others as they are. */
export function unmapped(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

/** A list of ranges, to ask whether a client address is in one. */
export class AddressList {
  private readonly list = new BlockList();
  constructor(readonly cidrs: readonly Cidr[]) {
    for (const c of cidrs) this.list.addSubnet(c.address, c.prefix, c.family === 4 ? 'ipv4' : 'ipv6');
  }

  has(peer: string): boolean {
    const addr = unmapped(peer);
    const f = isIP(addr);
    if (f === 0) return false;
    return this.list.check(addr, f === 4 ? 'ipv4' : 'ipv6');
  }
}

/**
 * The network an address belongs to, `v4` or `v6` bits long, as a key (an
 * IPv4 client seen as ::ffff:a.b.c.d is its IPv4 address): what counts as
 * one client for a per-client bound (TCP connections: /32 and /64;
 * response rate limiting: /24 and /56, as NSD and Knot count them).
 */
export function networkKey(address: string, v4: number, v6: number): string {
  const addr = unmapped(address);
  const f = isIP(addr);
  if (f === 4) {
    if (v4 === 32) return addr;
    const v = addr.split('.').reduce((a, o) => ((a << 8) | Number(o)) >>> 0, 0);
    return `${(v4 ? (v >>> (32 - v4)) << (32 - v4) : 0) >>> 0}/${v4}`;
  }
  if (f === 6) {
    const b = ipv6ToBytes(addr);
    const whole = v6 >> 3;
    let key = b.subarray(0, whole).toString('hex');
    if (v6 & 7) key += (b[whole]! & (0xff << (8 - (v6 & 7)))).toString(16);
    return `${key}/${v6}`;
  }
  return address;
}
