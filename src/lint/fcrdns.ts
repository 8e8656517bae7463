/**
 * Forward-confirmed reverse DNS (RFC 8601 §2.7.3 "iprev"; the seeds' 554
 * rejections), over the published records: for every MX host of our zones
 * and every SPF hosts: entry, the PTR of each address must name a host whose
 * A/AAAA holds that address again. And every PTR we publish whose target is
 * in a zone we serve must be confirmed by that zone.
 */
import { type Name, lowerName, nameToText, parseName } from '../util/name.js';
import { type At, type Problem, problem } from '../util/problem.js';
import { TYPE } from '../wire/constants.js';
import { rdataTarget, rdataToText } from '../wire/rdata.js';
import type { RRset } from '../wire/rrset.js';
import { addressOfReverseName, contains, reverseLabels, type Network } from '../synth/reverse/network.js';
import { addressToBigint, formatAddress } from '../wire/address.js';
import { servedRRsets, type LintView, type LintZone, type RuleInfo } from './rule.js';

export const FCRDNS_RULES: RuleInfo[] = [
  { id: 'fcrdns', severity: 'warning', rfc: 'RFC 8601 §2.7.3', summary: 'an MX or SPF host address has no PTR in our reverse zone, or its PTR does not point back' },
  { id: 'fcrdns-isp', severity: 'info', rfc: 'RFC 8601 §2.7.3', summary: 'an MX or SPF host address lies in a reverse zone we do not serve (or delegated away): the PTR to ask for' },
  { id: 'ptr-forward', severity: 'warning', rfc: 'RFC 8601 §2.7.3', summary: 'a PTR we publish names a host in our zones that does not have the address' },
];

/** A reverse zone we load: enough to find the PTR owner of an address (RFC 2317 zones put it at <last octet>.<zone>). */
export interface ReverseInfo { lint: LintZone; net: Network; classless: boolean }

/** The addresses a resolver asking us gets for `name` (CNAMEs followed); undefined when no zone of ours answers for it. */
function addresses(view: LintView, name: Name): string[] | undefined {
  const out: string[] = [];
  let served = false;
  for (const type of [TYPE.A, TYPE.AAAA]) {
    const r = view.ask(name, type);
    if (r.kind !== 'refused') served = true;
    if (r.kind === 'success') for (const rd of r.rrset!.rdatas) out.push(rdataToText(type, rd.wire));
  }
  return served ? out : undefined;
}

function ptrNames(rs: RRset): Name[] {
  return rs.rdatas.map((rd) => rdataTarget(TYPE.PTR, rd)).filter((p): p is Name => !!p);
}

/** The owner of an address's PTR: in an RFC 2317 zone we serve, <last octet>.<zone>; otherwise the in-addr/ip6 name. */
function ptrOwner(addr: string, reverses: readonly ReverseInfo[]): Name {
  const a = addressToBigint(addr)!;
  const classless = reverses.find((r) => r.classless && contains(r.net, a.family, a.value));
  if (classless) return [String(Number(a.value & 255n)), ...classless.lint.origin];
  return reverseLabels(a.family, a.value);
}

function confirms(view: LintView, ptr: Name, addr: string): boolean {
  return (addresses(view, ptr) ?? []).includes(addr);
}

/** The forward zones' MX and SPF hosts against the reverse zones, and every PTR we serve against the forward zones. */
export function checkFcrdns(view: LintView, reverses: readonly ReverseInfo[]): Problem[] {
  const out: Problem[] = [];
  for (const z of view.zones) {
    const m = z.model;
    if (z.reverse || !m.forward) continue;
    const hosts: { name: Name; at: At }[] = [];
    // The MX hosts as published (records: may have replaced what mail.mx made).
    const apex = view.ask(m.origin, TYPE.MX);
    const mx = apex.kind === 'success' && apex.cnames.length === 0 ? apex.rrset : undefined;
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
      for (const addr of addresses(view, h.name) ?? []) {
        if (seen.has(addr + host)) continue;
        seen.add(addr + host);
        const owner = ptrOwner(addr, reverses);
        const r = view.ask(owner, TYPE.PTR);
        if (r.kind === 'refused' || r.kind === 'referral') {
          const why = r.kind === 'refused' ? 'in a reverse zone we do not serve' : 'in a part of our reverse zone delegated to another server';
          out.push(problem(h.at, 'fcrdns-isp', `${addr} of ${host} is ${why}`, `ask for: ${nameToText(owner)} PTR ${host}`, 'info'));
        } else if (r.kind !== 'success') {
          out.push(problem(h.at, 'fcrdns', `${addr} of ${host} has no PTR; receivers reject mail from addresses without one`, `let the host claim it (remove ptr: none) or set reverse[].ptr for ${addr}`, 'warning'));
        } else {
          const ptrs = ptrNames(r.rrset!);
          if (!ptrs.some((p) => confirms(view, p, addr))) {
            out.push(problem(h.at, 'fcrdns', `${addr} of ${host}: PTR ${ptrs.map(nameToText).join(', ')} does not point back to ${addr} (forward-confirmed reverse DNS fails)`, `make the PTR ${host}, or give the PTR name this address`, 'warning'));
          }
        }
      }
    }
  }
  // Every PTR we serve whose target we serve must be confirmed by our own data.
  for (const r of reverses) {
    for (const rs of servedRRsets(view, r.lint)) {
      if (rs.type !== TYPE.PTR) continue;
      const a = addressOfReverseName(rs.owner, r.lint.origin, r.net, r.classless);
      if (!a || a.prefix !== r.net.bits) continue;
      const addr = formatAddress(r.net.family, a.value);
      rs.rdatas.forEach((rd, i) => {
        const t = rdataTarget(TYPE.PTR, rd);
        if (!t) return;
        const got = addresses(view, t);
        if (got === undefined || got.includes(addr)) return;
        const s = rs.sources[i] ?? rs.sources[0];
        if (!s) return;
        out.push(problem({ file: s.file, line: s.line, col: s.col }, 'ptr-forward', `${nameToText(rs.owner)} PTR ${nameToText(t)}, but ${nameToText(t)} ${got.length ? `has ${got.join(', ')}` : 'has no address'}, not ${addr}`, `give ${nameToText(t)} the address ${addr} under hosts:, or point the PTR at the host that has it`, 'warning'));
      });
    }
  }
  return out;
}
