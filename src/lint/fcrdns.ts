/**
 * Forward-confirmed reverse DNS for the hosts that send and receive mail
 * (the MX hosts and SPF hosts:): the PTR of each address names a host whose
 * A/AAAA holds that address again. Receivers reject mail on failure
 * (RFC 8601 §2.7.3 "iprev"; the seeds' 554 rejections).
 */
import type { ZoneModel } from '../config/model.js';
import { type Name, isSubdomain, lowerName, nameToText, parseName } from '../util/name.js';
import { type Problem, problem } from '../util/problem.js';
import { TYPE } from '../wire/constants.js';
import { rdataToText } from '../wire/rdata.js';
import type { RRset } from '../wire/rrset.js';
import type { Catalog } from '../zone/zone.js';
import { addressToBigint, reverseLabels } from '../synth/reverse/network.js';
import type { RuleInfo } from './rule.js';

export const FCRDNS_RULES: RuleInfo[] = [
  { id: 'fcrdns', severity: 'warning', rfc: 'RFC 8601 §2.7.3', summary: 'an MX or SPF host address has no PTR in our reverse zone, or its PTR does not point back' },
  { id: 'fcrdns-isp', severity: 'info', rfc: 'RFC 8601 §2.7.3', summary: 'an MX or SPF host address lies in a reverse zone we do not serve: the PTR to ask the ISP for' },
];

/** RRset of `type` at `name` from our own zones (stored or generic), following up to 8 in-zone CNAMEs. */
function local(catalog: Catalog, name: Name, type: number): RRset | undefined {
  let n = lowerName(name);
  for (let i = 0; i < 8; i++) {
    const zone = catalog.findZone(n);
    if (!zone) return undefined;
    const node = zone.authoritativeNode(n) ?? zone.synthesize(n);
    if (!node) return undefined;
    const rs = node.rrsets.get(type);
    if (rs) return rs;
    const cname = node.rrsets.get(TYPE.CNAME);
    const p = cname?.rdatas[0]?.parts[0];
    if (!p || Buffer.isBuffer(p)) return undefined;
    n = lowerName(p.name);
  }
  return undefined;
}

function names(rs: RRset | undefined): Name[] {
  return (rs?.rdatas ?? []).map((rd) => rd.parts[0]).filter((p): p is { name: Name } => !!p && !Buffer.isBuffer(p)).map((p) => p.name);
}

export function checkFcrdns(models: readonly ZoneModel[], catalog: Catalog): Problem[] {
  const out: Problem[] = [];
  for (const m of models) {
    if (!m.forward || !m.mail) continue;
    const hosts: { name: Name; path: (string | number)[] }[] = [];
    const mx = m.mail.mx;
    if (Array.isArray(mx)) mx.forEach((e, i) => hosts.push({ name: safe(typeof e === 'string' ? e : e.host, m.origin), path: ['mail', 'mx', i] }));
    (m.mail.spf?.hosts ?? []).forEach((h, i) => hosts.push({ name: safe(h, m.origin), path: ['mail', 'spf', 'hosts', i] }));
    const seen = new Set<string>();
    for (const h of hosts) {
      if (!h.name.length || !isSubdomain(h.name, m.origin)) continue;
      for (const type of [TYPE.A, TYPE.AAAA]) {
        for (const rd of local(catalog, h.name, type)?.rdatas ?? []) {
          const addr = rdataToText(type, rd.wire);
          if (seen.has(addr)) continue;
          seen.add(addr);
          const a = addressToBigint(addr)!;
          const rev = reverseLabels(a.family, a.value);
          const at = m.at(h.path);
          const host = nameToText(h.name);
          if (!catalog.findZone(rev)) {
            out.push(problem(at, 'fcrdns-isp', `${addr} of ${host} is in a reverse zone we do not serve`, `ask the ISP to set: ${nameToText(rev)} PTR ${host}`, 'info'));
            continue;
          }
          const ptrs = names(local(catalog, rev, TYPE.PTR));
          if (!ptrs.length) {
            out.push(problem(at, 'fcrdns', `${addr} of ${host} has no PTR; receivers reject mail from addresses without one`, `let the host claim it (remove ptr: none) or set reverse[].ptr for ${addr}`, 'warning'));
            continue;
          }
          const back = ptrs.some((p) => [TYPE.A, TYPE.AAAA].some((t) => (local(catalog, p, t)?.rdatas ?? []).some((x) => rdataToText(t, x.wire) === addr)));
          if (!back) {
            out.push(problem(at, 'fcrdns', `${addr} of ${host}: PTR ${ptrs.map(nameToText).join(', ')} does not point back to ${addr} (forward-confirmed reverse DNS fails)`, `make the PTR ${host}, or give the PTR name this address`, 'warning'));
          }
        }
      }
    }
  }
  return out;
}

function safe(ref: string, origin: Name): Name {
  try { return lowerName(ref === '' || ref === '@' ? [...origin] : parseName(ref, origin)); } catch { return []; }
}
