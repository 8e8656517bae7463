/** Semantic rules over one zone's RRsets that the schema cannot express. */
import { type Name, isSubdomain, nameKey, nameToText } from '../util/name.js';
import { type Problem, problem } from '../util/problem.js';
import { TYPE, typeToText } from '../wire/constants.js';
import { rdataTarget } from '../wire/rdata.js';
import { madeByHelper, type RRset, type Source } from '../wire/rrset.js';

function at(s: readonly Source[]) {
  const first = s[0] ?? { file: '?', line: 1, col: 1 };
  return { file: first.file, line: first.line, col: first.col };
}

/** Structural rules of one zone (CNAME placement, data hidden below a cut, DNAME). */
export function checkZone(origin: Name, rrsets: readonly RRset[]): Problem[] {
  const problems: Problem[] = [];
  const byOwner = new Map<string, RRset[]>();
  for (const rs of rrsets) {
    const k = nameKey(rs.owner);
    const list = byOwner.get(k);
    if (list) list.push(rs); else byOwner.set(k, [rs]);
  }
  const cuts = rrsets.filter((rs) => rs.type === TYPE.NS && rs.owner.length > origin.length).map((rs) => rs.owner);
  const below = (n: Name) => cuts.find((c) => n.length > c.length && isSubdomain(n, c));
  const nsTargets = new Set(rrsets.filter((rs) => rs.type === TYPE.NS).flatMap((rs) => rs.rdatas.map((rd) => rdataTarget(TYPE.NS, rd))).filter((t): t is Name => !!t).map(nameKey));

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

  for (const rs of rrsets) {
    if (rs.type === TYPE.DNAME) {
      problems.push(problem(at(rs.sources), 'dname', `${nameToText(rs.owner)} DNAME: DNAME redirection (RFC 6672) is not served yet`, 'use CNAMEs for the names you need'));
    }
    const cut = below(rs.owner);
    // RFC 1034 §4.2.1: below a cut only glue is served: the A/AAAA of a name an NS record names.
    const glue = (rs.type === TYPE.A || rs.type === TYPE.AAAA) && nsTargets.has(nameKey(rs.owner));
    if (cut && !glue) {
      const what = rs.type === TYPE.A || rs.type === TYPE.AAAA ? ', and no NS record names it, so it is not glue either' : '';
      // A record an intent helper made (a DKIM key, DMARC, SPF) is one the user counts on and cannot see: an error.
      const helper = madeByHelper(rs.sources[0]);
      problems.push(problem(at(rs.sources), 'occluded', `${nameToText(rs.owner)} ${typeToText(rs.type)}${helper ? ` (made by ${rs.sources[0]!.helper})` : ''} is below the delegation ${nameToText(cut)}${what}: it will never be served (RFC 1034 §4.2.1)`,
        helper ? 'publish it in the child zone, or remove the delegation' : 'move it to the child zone', helper ? 'error' : 'warning'));
    }
    if (rs.type === TYPE.NS && rs.owner.length > origin.length && byOwner.get(nameKey(rs.owner))!.some((o) => o.type !== TYPE.NS && o.type !== TYPE.DS)) {
      problems.push(problem(at(rs.sources), 'occluded', `${nameToText(rs.owner)} is a delegation; other data there is hidden by the zone cut (RFC 1034 §4.2.1)`, 'move that data into the child zone', 'warning'));
    }
  }
  return problems;
}
