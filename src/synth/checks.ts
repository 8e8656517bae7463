/** Semantic rules over one zone's RRsets that the schema cannot express. */
import { type Name, isSubdomain, nameKey, nameToText, lowerName } from '../util/name.js';
import { type Problem, problem } from '../util/problem.js';
import { TYPE, typeToText } from '../wire/constants.js';
import { rdataTarget } from '../wire/rdata.js';
import type { RRset, Source } from '../wire/rrset.js';

function at(s: readonly Source[]) {
  const first = s[0] ?? { file: '?', line: 1, col: 1 };
  return { file: first.file, line: first.line, col: first.col };
}

/** `tainted`: owners (nameKey) whose config already has a reported error; no follow-on errors for them. */
export function checkZone(origin: Name, rrsets: readonly RRset[], tainted: ReadonlySet<string> = new Set()): Problem[] {
  const problems: Problem[] = [];
  const byOwner = new Map<string, RRset[]>();
  for (const rs of rrsets) {
    const k = nameKey(rs.owner);
    const list = byOwner.get(k);
    if (list) list.push(rs); else byOwner.set(k, [rs]);
  }
  const cuts = rrsets.filter((rs) => rs.type === TYPE.NS && rs.owner.length > origin.length).map((rs) => rs.owner);
  const below = (n: Name) => cuts.find((c) => n.length > c.length && isSubdomain(n, c));

  for (const [owner, list] of byOwner) {
    const cname = list.find((rs) => rs.type === TYPE.CNAME);
    if (!cname) continue;
    if (cname.owner.length === origin.length) {
      problems.push(problem(at(cname.sources), 'cname-apex', `CNAME at the zone apex ${owner} would hide its SOA and NS (RFC 2181 §10.1)`, 'publish A/AAAA at the apex (hosts: {\'\': ...}) instead'));
      continue;
    }
    const others = list.filter((rs) => rs !== cname);
    if (others.length) {
      problems.push(problem(at(cname.sources), 'cname-exclusive', `${owner} has a CNAME and also ${others.map((o) => typeToText(o.type)).join(', ')} (from ${others.map((o) => `${at(o.sources).file}:${at(o.sources).line}`).join(', ')}); a CNAME must be alone at its name (RFC 1034 §3.6.2)`,
        'remove the CNAME and publish the records directly, or move the other records'));
    }
    if (cname.rdatas.length > 1) {
      problems.push(problem(at(cname.sources), 'cname-single', `${owner} has ${cname.rdatas.length} CNAME targets; there can be only one (RFC 2181 §10.1)`));
    }
  }

  const addressed = (n: Name) => {
    const l = byOwner.get(nameKey(n));
    return !!l?.some((rs) => rs.type === TYPE.A || rs.type === TYPE.AAAA);
  };
  const isCname = (n: Name) => !!byOwner.get(nameKey(n))?.some((rs) => rs.type === TYPE.CNAME);
  for (const rs of rrsets) {
    if (rs.type === TYPE.MX || rs.type === TYPE.SRV || rs.type === TYPE.NS) checkTargets(rs, origin, addressed, isCname, tainted, problems);
    if (rs.type === TYPE.NS) {
      for (const rd of rs.rdatas) {
        const t = rdataTarget(TYPE.NS, rd)!;
        // RFC 1034 §4.2.1 / RFC 9471: an in-zone nameserver needs its address here, or nobody can reach it.
        if (isSubdomain(t, origin) && !addressed(lowerName(t)) && !tainted.has(nameKey(lowerName(t)))) {
          problems.push(problem(at(rs.sources), 'ns-glue', `nameserver ${nameToText(t)} is inside ${nameToText(origin)} but has no A or AAAA here`, `add it under hosts:, e.g. ${t[0]}: {ipv4: 192.0.2.53}`));
        }
      }
    }
    if (rs.type === TYPE.DNAME) {
      problems.push(problem(at(rs.sources), 'dname', `${nameToText(rs.owner)} DNAME: DNAME redirection (RFC 6672) is not served yet`, 'use CNAMEs for the names you need'));
    }
    const cut = below(rs.owner);
    if (cut && rs.type !== TYPE.A && rs.type !== TYPE.AAAA) {
      problems.push(problem(at(rs.sources), 'occluded', `${nameToText(rs.owner)} ${typeToText(rs.type)} is below the delegation ${nameToText(cut)} and will never be served (RFC 1034 §4.2.1)`, 'move it to the child zone', 'warning'));
    }
    if (rs.type === TYPE.NS && rs.owner.length > origin.length && byOwner.get(nameKey(rs.owner))!.some((o) => o.type !== TYPE.NS && o.type !== TYPE.DS)) {
      problems.push(problem(at(rs.sources), 'occluded', `${nameToText(rs.owner)} is a delegation; other data there is hidden by the zone cut (RFC 1034 §4.2.1)`, 'move that data into the child zone', 'warning'));
    }
  }
  return problems;
}

/**
 * MX, SRV and NS targets: never an alias (RFC 2181 §10.3, RFC 2782), and an
 * in-zone target needs an address here. A null MX stands alone (RFC 7505 §3).
 */
function checkTargets(rs: RRset, origin: Name, addressed: (n: Name) => boolean, isCname: (n: Name) => boolean, tainted: ReadonlySet<string>, problems: Problem[]): void {
  const what = typeToText(rs.type);
  const targets = rs.rdatas.map((rd) => rdataTarget(rs.type, rd));
  if (rs.type === TYPE.MX) {
    const nullMx = rs.rdatas.some((rd, i) => targets[i]?.length === 0 && rd.wire.readUInt16BE(0) === 0);
    if (nullMx && rs.rdatas.length > 1) {
      problems.push(problem(at(rs.sources), 'mx-null-alone', `${nameToText(rs.owner)} has a null MX ("0 .") beside other MX records (RFC 7505 §3)`, 'use mx: none alone, or list the real mail hosts'));
    }
  }
  rs.rdatas.forEach((rd, i) => {
    const t = targets[i];
    if (!t || t.length === 0 || !isSubdomain(t, origin)) return;
    const lt = lowerName(t);
    const src = rs.sources[i] ? [rs.sources[i]!] : rs.sources;
    // What a helper makes must be right; what is written by hand under records:
    // is published as written (it may be a test of someone's resolver), with a warning.
    const severity = src[0]?.helper === 'records' ? 'warning' : 'error';
    if (isCname(lt)) {
      problems.push(problem(at(src), `${what.toLowerCase()}-cname`, `${what} target ${nameToText(t)} is a CNAME; it must name a host with addresses (RFC 2181 §10.3)`, `point the ${what} at the canonical name, or make ${nameToText(t)} a host`, severity));
    } else if (rs.type !== TYPE.NS && !addressed(lt) && !tainted.has(nameKey(lt))) {
      problems.push(problem(at(src), `${what.toLowerCase()}-target`, `${what} target ${nameToText(t)} has no A or AAAA in this zone`, `add it under hosts:, e.g. ${t[0]}: {ipv4: 192.0.2.25}`, severity));
    }
  });
}
