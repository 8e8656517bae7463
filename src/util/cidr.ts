/**
 * Address ranges for access lists (`transfer: {allow: [...]}`,
 * `--allow-transfer`): an address, or address/prefix without host bits.
 * An IPv4 client seen on a dual-stack socket as ::ffff:a.b.c.d matches its
 * IPv4 range (RFC 4291 §2.5.5.2).
 */
import { BlockList, isIP } from 'node:net';

export interface Cidr { family: 4 | 6; address: string; prefix: number; text: string }

export function parseCidr(text: string): Cidr | { error: string } {
  const m = /^([^/\s]+)(?:\/(\d{1,3}))?$/.exec(text.trim());
  const f = m ? isIP(m[1]!) : 0;
  if (!m || (f !== 4 && f !== 6)) return { error: `"${text}" is not an address or address/prefix (e.g. 192.0.2.53, 198.51.100.0/24, 2001:db8::/32)` };
  const bits = f === 4 ? 32 : 128;
  const prefix = m[2] === undefined ? bits : Number(m[2]);
  if (prefix > bits) return { error: `"${text}": prefix /${prefix} is longer than an IPv${f} address` };
  // Host bits set (192.0.2.1/24) usually means a typo in the prefix: say which network it is.
  const base = networkBase(m[1]!, f, prefix);
  if (base.join(',') !== bytesOf(m[1]!, f).join(',')) return { error: `"${text}" has host bits set: the network is ${formatBytes(base, f)}/${prefix}` };
  return { family: f, address: m[1]!, prefix, text: m[2] === undefined ? m[1]! : `${m[1]}/${prefix}` };
}

function bytesOf(addr: string, f: 4 | 6): number[] {
  if (f === 4) return addr.split('.').map(Number);
  const [head, tail] = addr.includes('::') ? addr.split('::') as [string, string] : [addr, undefined];
  const parse = (s: string | undefined) => (s ? s.split(':') : []).flatMap((g) => (g.includes('.') ? bytesOf(g, 4).reduce<string[]>((a, _b, i, all) => (i % 2 ? a : [...a, ((all[i]! << 8) | all[i + 1]!).toString(16)]), []) : [g]));
  const h = parse(head), t = parse(tail);
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => { const v = parseInt(g, 16); return [v >> 8, v & 255]; });
}

function networkBase(addr: string, f: 4 | 6, prefix: number): number[] {
  return bytesOf(addr, f).map((b, i) => {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    return b & (0xff << (8 - keep)) & 0xff;
  });
}

function formatBytes(b: number[], f: 4 | 6): string {
  if (f === 4) return b.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  // RFC 5952 §4.2.3: the first longest run of zero groups becomes '::'.
  const text = groups.join(':');
  const runs = [...`:${text}:`.matchAll(/:(0(:0)+):/g)].sort((x, y) => y[1]!.length - x[1]!.length);
  return runs.length ? `:${text}:`.replace(`:${runs[0]![1]}:`, '::').replace(/^:(?!:)/, '').replace(/(?<!:):$/, '') : text;
}

/** A list of ranges, to ask whether a client address is in one. */
export class AddressList {
  private readonly list = new BlockList();
  constructor(readonly cidrs: readonly Cidr[]) {
    for (const c of cidrs) this.list.addSubnet(c.address, c.prefix, c.family === 4 ? 'ipv4' : 'ipv6');
  }

  has(peer: string): boolean {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(peer);
    const addr = mapped ? mapped[1]! : peer;
    const f = isIP(addr);
    if (f === 0) return false;
    return this.list.check(addr, f === 4 ? 'ipv4' : 'ipv6');
  }
}
