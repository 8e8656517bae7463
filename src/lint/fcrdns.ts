/**
 * Forward-confirmed reverse DNS (RFC 8601 §2.7.3 "iprev"; the seeds' 554
 * rejections), over the published records: for every MX host of our zones
 * and every SPF hosts: entry, the PTR of each address must name a host whose
 * A/AAAA holds that address again. And every PTR we publish whose target is
 * in a zone we serve must be confirmed by that zone.
 */
import type { ZoneModel } from '../config/model.js';
import { type Name, lowerName, nameToText, parseName } from '../util/name.js';
import { type At, type Problem, problem } from '../util/problem.js';
import { TYPE } from '../wire/constants.js';
import { rdataTarget, rdataToText } from '../wire/rdata.js';
import type { RRset } from '../wire/rrset.js';
import type { Catalog } from '../zone/zone.js';
import { addressOfReverseName, addressToBigint, contains, formatAddress, reverseLabels, type Network } from '../synth/reverse/network.js';
import type { RuleInfo } from './rule.js';

export const FCRDNS_RULES: RuleInfo[] = [
  { id: 'fcrdns', severity: 'warning', rfc: 'RFC 8601 §2.7.3', summary: 'an MX or SPF host address has no PTR in our reverse zone, or its PTR does not point back' },
  { id: 'fcrdns-isp', severity: 'info', rfc: 'RFC 8601 §2.7.3', summary: 'an MX or SPF host address lies in a reverse zone we do not serve (or delegated away): the PTR to ask for' },
  { id: 'ptr-forward', severity: 'warning', rfc: 'RFC 8601 §2.7.3', summary: 'a PTR we publish names a host in our zones that does not have the address' },
];

/** A reverse zone we load: enough to find the PTR owner of an address (RFC 2317 zones put it at <last octet>.<zone>). */
export interface ReverseInfo { origin: Name; net: Network; classless: boolean; rrsets: readonly RRset[] }

type Local = { kind: 'outside' } | { kind: 'delegated' } | { kind: 'missing' } | { kind: 'found'; rrset: RRset };

/** `type` at `name` in our zones (stored or generic), following in-zone CNAMEs; says when the answer is not ours to give. */
function local(catalog: Catalog, name: Name, type: number): Local {
  let n = lowerName(name);
  for (let i = 0; i < 8; i++) {
    const zone = catalog.findZone(n);
    if (!zone) return { kind: 'outside' };
    if (zone.delegated(n)) return { kind: 'delegated' };
    const node = zone.authoritativeNode(n) ?? zone.synthesize(n);
    if (!node) return { kind: 'missing' };
    const rs = node.rrsets.get(type);
    if (rs) return { kind: 'found', rrset: rs };
    const cname = node.rrsets.get(TYPE.CNAME);
    const p = cname?.rdatas[0]?.parts[0];
    if (!p || Buffer.isBuffer(p)) return { kind: 'missing' };
    n = lowerName(p.name);
  }
  return { kind: 'missing' };
}

function addresses(catalog: Catalog, name: Name): string[] | undefined {
  const out: string[] = [];
  let served = false;
  for (const type of [TYPE.A, TYPE.AAAA]) {
    const r = local(catalog, name, type);
    if (r.kind !== 'outside') served = true;
    if (r.kind === 'found') for (const rd of r.rrset.rdatas) out.push(rdataToText(type, rd.wire));
  }
  return served ? out : undefined;
}

function ptrNames(rs: RRset): Name[] {
  return rs.rdatas.map((rd) => rd.parts[0]).filter((p): p is { name: Name } => !!p && !Buffer.isBuffer(p)).map((p) => p.name);
}

/** The owner of an address's PTR: in an RFC 2317 zone we serve, <last octet>.<zone>; otherwise the in-addr/ip6 name. */
function ptrOwner(addr: string, reverses: readonly ReverseInfo[]): Name {
  const a = addressToBigint(addr)!;
  const classless = reverses.find((r) => r.classless && contains(r.net, a.family, a.value));
  if (classless) return [String(Number(a.value & 255n)), ...classless.origin];
  return reverseLabels(a.family, a.value);
}

function confirms(catalog: Catalog, ptr: Name, addr: string): boolean {
  return (addresses(catalog, ptr) ?? []).includes(addr);
}

export function checkFcrdns(models: readonly ZoneModel[], catalog: Catalog, reverses: readonly ReverseInfo[]): Problem[] {
  const out: Problem[] = [];
  for (const m of models) {
    if (!m.forward) continue;
    const hosts: { name: Name; at: At }[] = [];
    // The MX hosts as published (records: may have replaced what mail.mx made).
    const apex = catalog.findZone(m.origin)?.authoritativeNode(m.origin);
    const mx = apex?.rrsets.get(TYPE.MX);
    mx?.rdatas.forEach((rd, i) => {
      const t = rdataTarget(TYPE.MX, rd);
      const s = mx.sources[i] ?? mx.sources[0];
      if (t && t.length && s) hosts.push({ name: lowerName(t), at: { file: s.file, line: s.line, col: s.col } });
    });
    // Outbound hosts: the SPF hosts: entries.
    (m.mail?.spf?.hosts ?? []).forEach((h, i) => {
      try { hosts.push({ name: lowerName(h === '' || h === '@' ? [...m.origin] : parseName(h, m.origin)), at: m.at(['mail', 'spf', 'hosts', i]) }); } catch { /* reported by synth */ }
    });
    const seen = new Set<string>();
    for (const h of hosts) {
      const host = nameToText(h.name);
      for (const addr of addresses(catalog, h.name) ?? []) {
        if (seen.has(addr + host)) continue;
        seen.add(addr + host);
        const owner = ptrOwner(addr, reverses);
        const r = local(catalog, owner, TYPE.PTR);
        if (r.kind === 'outside' || r.kind === 'delegated') {
          const why = r.kind === 'outside' ? 'in a reverse zone we do not serve' : 'in a part of our reverse zone delegated to another server';
          out.push(problem(h.at, 'fcrdns-isp', `${addr} of ${host} is ${why}`, `ask for: ${nameToText(owner)} PTR ${host}`, 'info'));
        } else if (r.kind === 'missing') {
          out.push(problem(h.at, 'fcrdns', `${addr} of ${host} has no PTR; receivers reject mail from addresses without one`, `let the host claim it (remove ptr: none) or set reverse[].ptr for ${addr}`, 'warning'));
        } else {
          const ptrs = ptrNames(r.rrset);
          if (!ptrs.some((p) => confirms(catalog, p, addr))) {
            out.push(problem(h.at, 'fcrdns', `${addr} of ${host}: PTR ${ptrs.map(nameToText).join(', ')} does not point back to ${addr} (forward-confirmed reverse DNS fails)`, `make the PTR ${host}, or give the PTR name this address`, 'warning'));
          }
        }
      }
    }
  }
  // Every stored PTR whose target we serve must be confirmed by our own data.
  for (const r of reverses) {
    for (const rs of r.rrsets) {
      if (rs.type !== TYPE.PTR) continue;
      const a = addressOfReverseName(rs.owner, r.origin, r.net, r.classless);
      if (!a || a.prefix !== r.net.bits) continue;
      const addr = formatAddress(r.net.family, a.value);
      rs.rdatas.forEach((rd, i) => {
        const t = rdataTarget(TYPE.PTR, rd) ?? ptrNames({ ...rs, rdatas: [rd] })[0];
        if (!t) return;
        const got = addresses(catalog, t);
        if (got === undefined || got.includes(addr)) return;
        const s = rs.sources[i] ?? rs.sources[0];
        if (!s) return;
        out.push(problem({ file: s.file, line: s.line, col: s.col }, 'ptr-forward', `${nameToText(rs.owner)} PTR ${nameToText(t)}, but ${nameToText(t)} ${got.length ? `has ${got.join(', ')}` : 'has no address'}, not ${addr}`, `give ${nameToText(t)} the address ${addr} under hosts:, or point the PTR at the host that has it`, 'warning'));
      });
    }
  }
  return out;
}

