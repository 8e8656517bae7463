/**
 * Reverse zones for delegated networks: PTRs derived from the forward hosts
 * (so forward-confirmed reverse DNS holds by construction), explicit PTRs,
 * generic names, RFC 2317 classless zones and the parent side of a
 * delegation (NS plus one CNAME per address).
 */
import type { ZoneModel } from '../../config/model.js';
import type { ReverseIntent } from '../../config/intent.js';
import { type Name, isAbsolute, isSubdomain, lowerLabel, lowerName, NAME_HINT, NameError, nameKey, nameToText, parseName, parseZoneName } from '../../util/name.js';
import { type At, type Problem, problem } from '../../util/problem.js';
import { MAX_TTL, parseDuration } from '../../util/ttl.js';
import { TYPE } from '../../wire/constants.js';
import { PUBLISH_LIMIT, type NameSynthesizer } from '../../wire/rrset.js';
import { rdataOrProblem, RRsetCollector, soaTokens, src } from '../records.js';
import { forgottenDot } from '../../util/tld.js';
import { ForwardGeneric, networkSize, parseTemplate, ReverseGeneric, type GenericTemplate } from './generic.js';
import { alignedZone, contains, parseNetwork, reverseLabels, within, type Network } from './network.js';
import { addressToBigint, formatAddress } from '../../wire/address.js';

export interface ReverseZoneBuild {
  origin: Name;
  collector: RRsetCollector;
  /** This zone's own problems: an entry's mistake holds back only its zone. */
  problems: Problem[];
  synthesizers: NameSynthesizer[];
  /** The forward side of its generic names, attached only if this zone loads. */
  forward?: ForwardSynth;
  /** What the ISP must publish in its parent zone, ready to paste (RFC 2317 §4, or an NS delegation). */
  isp: string[];
  net: Network;
  classless: boolean;
}

/** A generic name's forward side, to attach to the forward zone that holds its suffix. */
export interface ForwardSynth { suffix: Name; synth: NameSynthesizer; at: At }

interface Claim { name: Name; at: At; primary: boolean }

/**
 * Whether an entry of `file` makes PTRs from the hosts of the forward zone
 * `f`: those of the zones its from: names (`fromKeys`, nameKey), else its own
 * file's, else (a file of reverse: entries only) every forward zone's.
 */
export function readsHostsOf(file: ZoneModel, fromKeys: readonly string[] | undefined, f: ZoneModel): boolean {
  return f.forward && (fromKeys ? fromKeys.includes(nameKey(f.origin)) : file.forward ? f === file : true);
}

/** The keys (nameKey) of an entry's from: zones, leaving out what is not a name (buildOne reports those); undefined without from:. */
export function fromKeys(e: ReverseIntent): string[] | undefined {
  return e.from?.flatMap((z) => {
    try { return [nameKey(parseZoneName(z))]; } catch (x) {
      if (x instanceof NameError) return [];
      throw x;
    }
  });
}

/** One zone per entry; an entry that cannot become a zone leaves its problems in `unbuilt`. */
export function buildReverseZones(file: ZoneModel, forwards: readonly ZoneModel[]): { zones: ReverseZoneBuild[]; unbuilt: Problem[] } {
  const zones: ReverseZoneBuild[] = [];
  const unbuilt: Problem[] = [];
  (file.reverse ?? []).forEach((entry, i) => {
    if (!entry) return; // the schema refused it, and said why
    const problems: Problem[] = [];
    const built = buildOne(file, entry, ['reverse', i], forwards, problems);
    if (built) zones.push(built);
    else unbuilt.push(...problems);
  });
  return { zones, unbuilt };
}

function buildOne(file: ZoneModel, e: ReverseIntent, path: (string | number)[], forwards: readonly ZoneModel[], problems: Problem[]): ReverseZoneBuild | undefined {
  const at = (p: (string | number)[] = []) => file.at([...path, ...p]);
  const err = (p: (string | number)[], rule: string, msg: string, hint?: string, severity?: 'warning') => problems.push(problem(at(p), rule, msg, hint, severity));
  /** A name as written, parsed; a finding (rule `name`) and undefined when it is not one. */
  const nameAt = (p: (string | number)[], text: string, origin?: Name | 'zone'): Name | undefined => {
    try { return origin === 'zone' ? parseZoneName(text) : parseName(text, origin); } catch (x) {
      if (!(x instanceof NameError)) throw x;
      err(p, 'name', `"${text}": ${x.message}`, NAME_HINT);
      return undefined;
    }
  };
  const net = parseNetwork(e.network);
  if ('error' in net) { err(['network'], 'reverse-network', net.error); return undefined; }
  const classless = net.family === 4 && net.prefix % 8 !== 0;
  if (net.family === 6 && net.prefix % 4 !== 0) { err(['network'], 'reverse-network', `${net.text}: ip6.arpa zones end on a nibble boundary (RFC 3596 §2.5)`, `use /${Math.floor(net.prefix / 4) * 4} or /${Math.ceil(net.prefix / 4) * 4}`); return undefined; }
  if (classless && net.prefix < 24) { err(['network'], 'reverse-network', `${net.text}: a reverse zone below /24 that is not /8 or /16 is several zones`, 'list one entry per /24 (or the /16)'); return undefined; }
  let origin: Name;
  if (e.zone !== undefined) {
    const z = nameAt(['zone'], e.zone, 'zone');
    if (!z) return undefined;
    origin = lowerName(z);
    const parent = alignedZone({ ...net, prefix: classless ? 24 : net.prefix, base: net.base & ~((1n << BigInt(net.bits - (classless ? 24 : net.prefix))) - 1n) })!;
    if (!isSubdomain(origin, parent)) { err(['zone'], 'reverse-zone', `zone ${nameToText(origin)} is not inside ${nameToText(parent)}, where the addresses of ${net.text} live`); return undefined; }
    // An octet-aligned network's PTRs live at their in-addr.arpa names (RFC 1035 §3.5): its zone is that one.
    const derived = alignedZone(net);
    if (!classless && derived && nameKey(origin) !== nameKey(derived)) {
      err(['zone'], 'reverse-zone', `${net.text} is on an octet boundary, so its zone is ${nameToText(derived)}, not ${nameToText(origin)}`, 'leave zone: out (it is for RFC 2317 classless networks, /25 to /32)');
      return undefined;
    }
  } else if (classless) {
    err(['network'], 'reverse-zone', `${net.text} is not on an octet boundary: give zone: as the ISP's CNAMEs point (RFC 2317), e.g. zone: ${nameToText([`${Number(net.base & 255n)}/${net.prefix}`, ...alignedZone({ ...net, prefix: 24, base: net.base & ~255n })!])}`);
    return undefined;
  } else {
    origin = alignedZone(net)!;
  }
  let ttl = file.ttl;
  if (e.ttl !== undefined) {
    const t = parseDuration(e.ttl);
    // RFC 2181 §8: TTLs are unsigned 31-bit.
    if (t === undefined || t > MAX_TTL) err(['ttl'], 'ttl', `"${String(e.ttl)}" is not a duration between 0 and ${MAX_TTL} seconds`, 'write seconds (3600) or units: 30m, 1h, 2d, 1w');
    else ttl = t;
  }
  // Names in an entry are relative to the file's zone; a file with only
  // reverse: has none, so there they must be absolute. The text handed on is
  // absolute, so the RDATA parser does not make it relative to the reverse zone.
  const absoluteName = (name: string, p: (string | number)[]): Name | undefined => {
    if (!file.forward && !isAbsolute(name)) {
      err(p, 'name', `"${name}" is relative, and this file has no zone: to make it relative to`, `write it in full with a trailing dot, e.g. ${name}.example.com.`);
      return undefined;
    }
    return nameAt(p, name, file.origin);
  };
  const absolute = (name: string, p: (string | number)[]): string | undefined => {
    const n = absoluteName(name, p);
    return n && nameToText(n);
  };
  const collector = new RRsetCollector(origin, problems);
  const here = (p: (string | number)[], helper: string) => src(at(p), helper);
  const add = (owner: Name, type: number, tokens: string[], p: (string | number)[], helper: string, relativeTo: Name = origin) => {
    const rd = rdataOrProblem(type, tokens, relativeTo, at(p), problems);
    if (rd) collector.add(owner, type, ttl, [rd], here(p, helper), false);
  };

  // SOA and NS as the file's forward zone has them.
  const soa = file.soa;
  add(origin, TYPE.SOA, soaTokens(soa), [], 'reverse');
  for (const ns of file.nameservers) add(origin, TYPE.NS, [nameToText(ns.name)], ['network'], 'reverse');

  // Sub-networks delegated to someone else: their addresses are not ours to answer.
  const delegated: Network[] = [];
  for (const [cidr, spec] of Object.entries(e.delegate ?? {})) {
    const dp = ['delegate', cidr];
    const child = parseNetwork(cidr);
    if ('error' in child) { err(dp, 'reverse-delegate', child.error); continue; }
    if (!within(child, net) || child.prefix === net.prefix) { err(dp, 'reverse-delegate', `${child.text} is not a sub-network of ${net.text}`); continue; }
    const nameservers = Array.isArray(spec) ? spec : spec.nameservers;
    let childOrigin: Name;
    if (child.family === 4 && child.prefix % 8 !== 0) {
      if (classless || child.prefix < 24) { err(dp, 'reverse-delegate', `${child.text}: RFC 2317 delegation works inside a /24 zone, for prefixes /25 to /32`); continue; }
      // The child zone's first label, in presentation format (so `\.` is a dot inside it).
      let label = `${Number(child.base & 255n)}/${child.prefix}`;
      if (!Array.isArray(spec) && spec.zone !== undefined) {
        const l = nameAt([...dp, 'zone'], spec.zone, []);
        if (!l) continue;
        if (l.length !== 1) { err([...dp, 'zone'], 'name', `"${spec.zone}" is ${l.length} labels: zone: here is the one label the child zone adds, e.g. 128-26`, 'escape a dot inside the label as \\.'); continue; }
        label = lowerLabel(l[0]!);
      }
      childOrigin = [label, ...origin];
      // RFC 2317 §4: one CNAME per address, into the child zone.
      const count = 1n << BigInt(32 - child.prefix);
      for (let k = 0n; k < count; k++) {
        const octet = String(Number((child.base + k) & 255n));
        add([octet, ...origin], TYPE.CNAME, [nameToText([octet, ...childOrigin])], dp, 'reverse.delegate');
      }
    } else {
      if (child.family === 6 && child.prefix % 4 !== 0) { err(dp, 'reverse-delegate', `${child.text}: IPv6 delegations end on a nibble boundary`); continue; }
      childOrigin = alignedZone(child)!;
    }
    nameservers.forEach((ns, j) => {
      const np = Array.isArray(spec) ? [...dp, j] : [...dp, 'nameservers', j];
      const n = absolute(ns, np);
      if (n) add(childOrigin, TYPE.NS, [n], np, 'reverse.delegate');
    });
    delegated.push(child);
  }
  const ours = (fam: 4 | 6, v: bigint) => contains(net, fam, v) && !delegated.some((d) => contains(d, fam, v));
  const owner = (v: bigint): Name => (classless ? [String(Number(v & 255n)), ...origin] : reverseLabels(net.family, v));

  // Explicit PTRs win.
  const taken = new Set<bigint>();
  for (const [addr, target] of Object.entries(e.ptr ?? {})) {
    const pp = ['ptr', addr];
    const a = addressToBigint(addr);
    if (!a || !ours(a.family, a.value)) { err(pp, 'reverse-ptr', `${addr} is not an address of ${net.text}${delegated.length ? ' outside its delegations' : ''}`); continue; }
    taken.add(a.value);
    const t = absolute(target, pp);
    // A target written relative is relative to the file's zone: written so, the record remembers it (trailing-dot lint).
    if (t) add(owner(a.value), TYPE.PTR, [file.forward && !isAbsolute(target) ? target : t], pp, 'reverse.ptr', file.origin);
  }

  // PTRs from the forward hosts: exactly one claim per address.
  // A name that is not one is a finding, and is left out.
  const fromNames = e.from?.flatMap((z, k) => {
    const n = nameAt(['from', k], z, 'zone');
    return n ? [{ key: nameKey(n), k }] : [];
  });
  const sources = forwards.filter((f) => readsHostsOf(file, fromNames?.map((z) => z.key), f));
  for (const z of fromNames ?? []) if (!forwards.some((f) => nameKey(f.origin) === z.key)) err(['from', z.k], 'reverse-from', `zone ${z.key} is not loaded`);
  const claims = new Map<bigint, Claim[]>();
  for (const f of sources) {
    for (const h of f.hosts) {
      // A wildcard host has no one name to give an address back to.
      if (h.ptr === 'none' || h.owner.includes('*')) continue;
      for (const a of [...h.ipv4, ...h.ipv6]) {
        const v = addressToBigint(a.address);
        if (!v || !ours(v.family, v.value) || taken.has(v.value)) continue;
        const list = claims.get(v.value) ?? [];
        list.push({ name: h.owner, at: a.at, primary: h.ptr === 'primary' });
        claims.set(v.value, list);
      }
    }
  }
  for (const [v, list] of claims) {
    const primaries = list.filter((c) => c.primary);
    const chosen = list.length === 1 ? list[0] : primaries.length === 1 ? primaries[0] : undefined;
    if (!chosen) {
      const where = list.map((c) => `${nameToText(c.name)} at ${c.at.file}:${c.at.line}:${c.at.col}`).join(' and ');
      problems.push(problem(list[0]!.at, 'ptr-conflict', `${formatAddress(net.family, v)} is claimed by ${where}; an address has one PTR`, 'mark one host ptr: primary, or set reverse[].ptr for the address'));
      for (const c of list.slice(1)) problems.push(problem(c.at, 'ptr-conflict', `${formatAddress(net.family, v)} is also claimed by ${nameToText(list[0]!.name)} at ${list[0]!.at.file}:${list[0]!.at.line}:${list[0]!.at.col}`, 'mark one host ptr: primary'));
      continue;
    }
    taken.add(v);
    const rd = rdataOrProblem(TYPE.PTR, [nameToText(chosen.name)], origin, chosen.at, problems);
    if (rd) collector.add(owner(v), TYPE.PTR, ttl, [rd], src(chosen.at, 'hosts.ptr'), false);
  }

  // Generic names: answered on query, for every address without a PTR above.
  const synthesizers: NameSynthesizer[] = [];
  let forwardSynth: ForwardSynth | undefined;
  if (e.generic) {
    const name = absoluteName(e.generic.name, ['generic', 'name']);
    const t = name === undefined ? undefined : parseTemplate(name, net.family);
    // The forgotten trailing dot (seed 002): 'ip-{dashed}.pool.example.com' in example.com's file is under pool.example.com.example.com.
    const suffix = t && !('error' in t) ? t.suffix : undefined;
    const meant = suffix && file.forward && !isAbsolute(e.generic.name) ? forgottenDot(suffix, file.origin) : undefined;
    if (meant) err(['generic', 'name'], 'trailing-dot', `generic names under ${nameToText(suffix!)} are under ${meant} with ${nameToText(file.origin)} appended: the name was written without its trailing dot`, `end the name with a dot: '${e.generic.name}.'`);
    else if (t && 'error' in t) err(['generic', 'name'], 'reverse-generic', t.error);
    else if (t) {
      synthesizers.push(new ReverseGeneric(origin, net, classless, t, ttl));
      // A secondary cannot make these names: a transfer lists them, up to PUBLISH_LIMIT per network.
      // Beyond, the zone is not transferred; said here when the file asks for transfers (serve logs it too).
      const count = networkSize(net);
      if (file.transfer && count > PUBLISH_LIMIT) {
        err(['generic'], 'transfer-generic', `${net.text} has ${count} generic names, more than the ${PUBLISH_LIMIT} a zone transfer lists: ${nameToText(origin)}${e.generic.forward ? ` and the zone of ${nameToText(t.suffix)} (forward: true)` : ''} will not be transferred, since a secondary would answer NXDOMAIN for them`, 'serve these zones from mailns on every nameserver, or give generic: to a smaller network', 'warning');
      }
      const generic = (v: bigint) => ours(net.family, v) && !taken.has(v);
      if (e.generic.forward) forwardSynth = { suffix: t.suffix, synth: new ForwardGeneric(t, net, generic, ttl), at: at(['generic', 'forward']) };
    }
  }

  const isp = ispRequest(origin, net, classless, file.nameservers.map((n) => n.name));
  return { origin, collector, problems, synthesizers, forward: forwardSynth, isp, net, classless };
}

/** What to ask the ISP for, in zone-file lines for its parent zone. */
function ispRequest(origin: Name, net: Network, classless: boolean, nameservers: Name[]): string[] {
  const lines = nameservers.map((ns) => `${nameToText(origin)}\tNS\t${nameToText(ns)}`);
  if (!classless) return lines;
  const count = 1n << BigInt(32 - net.prefix);
  // RFC 2317 §4: in the parent /24 zone, one CNAME per address into ours; names escaped (RFC 1035 §5.1), so the lines paste.
  const parent = alignedZone({ ...net, prefix: 24, base: net.base & ~255n })!;
  for (let k = 0n; k < count; k++) {
    const o = String(Number((net.base + k) & 255n));
    lines.push(`${nameToText([o, ...parent])}\tCNAME\t${nameToText([o, ...origin])}`);
  }
  return lines;
}

export type { GenericTemplate };
