/**
 * Differential conformance: mailns and NSD serve the same zone data and get the
 * same queries (UDP and TCP); their canonical replies (test/helpers/dnspy.ts)
 * must agree, up to the deliberate differences normalised in
 * test/helpers/compare.ts (1 and 2, shared with reverse.test.ts) and below
 * (3 to 5 and the per-case ALLOWANCES), each with its reason.
 *
 * A. test/fixtures/conformance/diff.test.yaml: mailns serves the YAML, NSD
 *    serves `exportZone` of the zone mailns built from it.
 * B. test/fixtures/conformance/import.test.zone: NSD serves the hand-written
 *    master file as is, mailns serves the YAML `importZoneFile` makes of it.
 *
 * Cases that show a mailns bug are listed in KNOWN_BUGS (with what we answer,
 * what NSD answers and why NSD is right); cases where mailns and NSD differ and
 * no RFC decides are in UNDECIDED. Both are left out of the passing set and
 * shown as todo; deleting an entry re-enables the comparison (a warning says
 * when one already agrees with NSD).
 *
 * Debugging: MAILNS_CONFORMANCE_DUMP=/tmp/dump.jsonl appends every query with
 * both raw replies to that file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importZoneFile } from '../../src/cli/import.js';
import { exportZone } from '../../src/zone/export.js';
import { checkCases, diffReplies, normaliseNsd, parseLine, report, runDifferential, show, todos, zoneLines, type BaseCase, type Listing } from '../helpers/compare.js';
import { requireDnspython, type Query, type Reply } from '../helpers/dnspy.js';
import { requireTool, startNsd, type NsdInstance } from '../helpers/nsd.js';
import { startServer, startWithYaml, type Running } from '../helpers/server.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'conformance');

const haveNsd = requireTool('nsd');
const haveCheckzone = requireTool('nsd-checkzone');
const havePy = requireDnspython();
const missing = [!haveNsd && 'nsd', !haveCheckzone && 'nsd-checkzone', !havePy && 'dnspython (/usr/bin/python3)'].filter(Boolean);
const suffix = missing.length ? ` (skipped: missing ${missing.join(', ')})` : '';

// ---------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------

/**
 * How a case is compared:
 * - exact: every field, after the general normalisations (see normaliseNsd, diffReplies
 *   in test/helpers/compare.ts).
 * - any: qtype ANY on a name with data (see checkAny).
 * - chaos: CH-class identification; rcode and answer count only.
 * - glue-tc: a referral whose in-domain glue does not all fit (see checkGlueTc).
 */
type Kind = 'exact' | 'any' | 'chaos' | 'glue-tc';

/** Per-case allowed differences where an RFC says mailns is right; see ALLOWANCES. */
type Allow = 'question-and-opt' | 'notimp' | 'negative-soa' | 'wildcard-additional';

interface Case extends BaseCase {
  kind: Kind;
  /** kind 'any': owner of the RRsets in the zone (differs from the qname for wildcards). */
  anyOwner?: string;
  allow: Allow[];
}

interface Opts {
  kind?: Kind;
  anyOwner?: string;
  /** Send only over this transport (default: both). */
  only?: 'udp' | 'tcp';
  allow?: Allow[];
}

/** The same question over UDP and over TCP (unless `only`). */
function both(base: string, q: Omit<Query, 'tcp' | 'id'>, o: Opts = {}): Case[] {
  const out: Case[] = [];
  for (const t of ['udp', 'tcp'] as const) {
    if (o.only && o.only !== t) continue;
    const id = `${base} ${t}`;
    out.push({ id, base, q: { ...q, tcp: t === 'tcp', id }, kind: o.kind ?? 'exact', anyOwner: o.anyOwner, allow: o.allow ?? [] });
  }
  return out;
}

const D = 'diff.test.';
const d = (rel: string) => (rel === '' ? D : `${rel}.${D}`);

const DIFF_CASES: Case[] = [
  // existing names, every type the zone has
  ...both('apex SOA', { name: D, type: 'SOA' }),
  ...both('apex NS', { name: D, type: 'NS' }),
  ...both('apex A', { name: D, type: 'A' }),
  ...both('apex AAAA', { name: D, type: 'AAAA' }),
  ...both('apex MX (in- and out-of-zone exchanges)', { name: D, type: 'MX' }),
  ...both('apex TXT (one >255 octets, split)', { name: D, type: 'TXT' }),
  ...both('apex CAA', { name: D, type: 'CAA' }),
  ...both('www A (TTL 300, two addresses)', { name: d('www'), type: 'A' }),
  ...both('www A with RD', { name: d('www'), type: 'A', rd: true }),
  ...both('ns1 A', { name: d('ns1'), type: 'A' }),
  ...both('ns1 AAAA', { name: d('ns1'), type: 'AAAA' }),
  ...both('mail AAAA', { name: d('mail'), type: 'AAAA' }),
  ...both('SRV, in-zone target', { name: d('_submissions._tcp'), type: 'SRV' }),
  ...both('SRV, in- and out-of-zone targets', { name: d('_imaps._tcp'), type: 'SRV' }),
  ...both('TXT below an ENT', { name: d('sel._domainkey'), type: 'TXT' }),
  ...both('bigtxt TXT ~1 KB (EDNS 1232)', { name: d('bigtxt'), type: 'TXT' }),
  // mixed case: question echoed as sent, data found case-insensitively
  ...both('mixed-case qname WwW', { name: 'WwW.DiFf.TeSt.', type: 'A' }),
  ...both('mixed-case owner, lower qname', { name: d('mixedcase'), type: 'A' }),
  ...both('mixed-case owner, upper qname', { name: 'MIXEDCASE.DIFF.TEST.', type: 'A' }),
  ...both('mixed-case qname, NXDOMAIN', { name: 'NoPe.Diff.Test.', type: 'A' }),
  // negative answers
  ...both('NXDOMAIN', { name: d('nope'), type: 'A' }),
  ...both('NXDOMAIN two labels below', { name: d('a.nope'), type: 'MX' }),
  ...both('NODATA www TXT', { name: d('www'), type: 'TXT' }),
  ...both('NODATA mail MX', { name: d('mail'), type: 'MX' }),
  ...both('NODATA unknown type', { name: d('www'), type: 'TYPE65534' }),
  ...both('NODATA apex DS', { name: D, type: 'DS' }),
  ...both('ENT _domainkey TXT', { name: d('_domainkey'), type: 'TXT' }),
  ...both('ENT _tcp SRV', { name: d('_tcp'), type: 'SRV' }),
  ...both('ENT deep (above a cut)', { name: d('deep'), type: 'A' }),
  ...both('NXDOMAIN below an ENT', { name: d('x._domainkey'), type: 'TXT' }),
  // wildcards (RFC 4592)
  ...both('wildcard A', { name: d('foo.wild'), type: 'A' }),
  ...both('wildcard TXT', { name: d('foo.wild'), type: 'TXT' }),
  ...both('wildcard NODATA', { name: d('foo.wild'), type: 'MX' }),
  ...both('wildcard, two labels', { name: d('x.y.wild'), type: 'A' }),
  ...both('wildcard, mixed-case qname', { name: 'FoO.WiLd.diff.test.', type: 'A' }),
  ...both('wildcard owner asked literally', { name: d('*.wild'), type: 'A' }),
  ...both('wildcard parent is an ENT', { name: d('wild'), type: 'A' }),
  ...both('existing name beside the wildcard', { name: d('host.wild'), type: 'A' }),
  ...both('existing name beside the wildcard, NODATA', { name: d('host.wild'), type: 'TXT' }),
  ...both('below an existing name: no wildcard', { name: d('x.host.wild'), type: 'A' }),
  ...both('ENT beside the wildcard: NODATA', { name: d('b.wild'), type: 'A' }),
  ...both('below an ENT beside the wildcard: NXDOMAIN', { name: d('c.b.wild'), type: 'A' }),
  ...both('name below the ENT', { name: d('a.b.wild'), type: 'A' }),
  ...both('wildcard CNAME', { name: d('x.cw'), type: 'A' }),
  ...both('wildcard CNAME, qtype CNAME', { name: d('x.cw'), type: 'CNAME' }),
  // referrals (RFC 1034 §4.3.2 3b) and the zone cut
  ...both('referral at the cut, NS', { name: d('sub'), type: 'NS' }),
  ...both('referral at the cut, A', { name: d('sub'), type: 'A' }),
  ...both('referral below the cut', { name: d('host.sub'), type: 'A' }),
  ...both('referral two below the cut', { name: d('a.b.sub'), type: 'MX' }),
  ...both('glue name is below the cut', { name: d('ns.sub'), type: 'A' }),
  ...both('DS at the cut, none: NODATA', { name: d('sub'), type: 'DS' }),
  ...both('DS below the cut: referral', { name: d('host.sub'), type: 'DS' }),
  ...both('sibling glue', { name: d('www.sub2'), type: 'A' }),
  ...both('deeper delegation', { name: d('x.child.deep'), type: 'A' }),
  ...both('deeper delegation, glue name', { name: d('ns1.child.deep'), type: 'AAAA' }),
  ...both('DS at the deeper cut', { name: d('child.deep'), type: 'DS' }),
  ...both('NS at the deeper cut', { name: d('child.deep'), type: 'NS' }),
  ...both('glue from another delegation', { name: d('x.sub3'), type: 'A' }),
  ...both('big referral, EDNS 1232', { name: d('www.bigdeleg'), type: 'A' }),
  ...both('big referral, no EDNS', { name: d('www.bigdeleg'), type: 'A', edns: false }, { only: 'tcp' }),
  ...both('big referral, no EDNS', { name: d('www.bigdeleg'), type: 'A', edns: false }, { only: 'udp', kind: 'glue-tc' }),
  // CNAME (RFC 1034 §3.6.2, §4.3.2)
  ...both('CNAME chain of two', { name: d('alias1'), type: 'A' }),
  ...both('CNAME chain, qtype CNAME', { name: d('alias1'), type: 'CNAME' }),
  ...both('CNAME chain ending in NODATA', { name: d('alias1'), type: 'AAAA' }),
  ...both('CNAME out of the zone', { name: d('outside'), type: 'A' }),
  ...both('CNAME to a missing name', { name: d('dangling'), type: 'A' }),
  ...both('CNAME loop', { name: d('loop1'), type: 'A' }),
  ...both('CNAME to a mixed-case target', { name: d('casealias'), type: 'A' }),
  ...both('CNAME to a wildcard', { name: d('towild'), type: 'TXT' }),
  ...both('CNAME into a delegation', { name: d('tosub'), type: 'A' }),
  ...both('below a CNAME', { name: d('x.alias1'), type: 'A' }),
  ...both('CNAME to the apex, MX', { name: d('toapex'), type: 'MX' }),
  // additional-section processing for unusual targets
  ...both('MX target is glue below a cut', { name: d('mxglue'), type: 'MX' }),
  ...both('MX target matches a wildcard', { name: d('mxwild'), type: 'MX' }, { allow: ['wildcard-additional'] }),
  ...both('MX target is a CNAME', { name: d('mxalias'), type: 'MX' }),
  ...both('SRV target is the root', { name: d('_none._tcp'), type: 'SRV' }),
  // qtype ANY (RFC 8482)
  ...both('ANY apex', { name: D, type: 'ANY' }, { kind: 'any', anyOwner: D }),
  ...both('ANY www', { name: d('www'), type: 'ANY' }, { kind: 'any', anyOwner: d('www') }),
  ...both('ANY wildcard', { name: d('foo.wild'), type: 'ANY' }, { kind: 'any', anyOwner: d('*.wild') }),
  ...both('ANY CNAME', { name: d('alias1'), type: 'ANY' }, { kind: 'any', anyOwner: d('alias1') }),
  ...both('ANY NXDOMAIN', { name: d('nope'), type: 'ANY' }),
  ...both('ANY ENT', { name: d('_domainkey'), type: 'ANY' }),
  ...both('ANY referral', { name: d('host.sub'), type: 'ANY' }),
  // not ours, other classes
  ...both('out of zone: REFUSED', { name: 'www.example.invalid.', type: 'A' }),
  ...both('parent of the zone: REFUSED', { name: 'test.', type: 'SOA' }),
  ...both('CH version.bind', { name: 'version.bind.', type: 'TXT', class: 'CH' }, { kind: 'chaos' }),
  ...both('CH id.server', { name: 'id.server.', type: 'TXT', class: 'CH' }, { kind: 'chaos' }),
  ...both('CH unknown name', { name: 'foo.bar.', type: 'TXT', class: 'CH' }),
  ...both('CH version.bind ANY', { name: 'version.bind.', type: 'ANY', class: 'CH' }, { kind: 'chaos' }),
  ...both('CH version.bind A', { name: 'version.bind.', type: 'A', class: 'CH' }),
  ...both('CH hostname.bind', { name: 'hostname.bind.', type: 'TXT', class: 'CH' }, { kind: 'chaos' }),
  ...both('CH version.server', { name: 'version.server.', type: 'TXT', class: 'CH' }, { kind: 'chaos' }),
  ...both('class HS', { name: D, type: 'SOA', class: 'HS' }, { allow: ['question-and-opt'] }),
  ...both('class ANY', { name: d('www'), type: 'A', class: 'ANY' }),
  ...both('class ANY, NXDOMAIN', { name: d('nope'), type: 'A', class: 'ANY' }, { allow: ['negative-soa'] }),
  ...both('class ANY, NODATA', { name: d('www'), type: 'TXT', class: 'ANY' }, { allow: ['negative-soa'] }),
  ...both('class ANY, referral', { name: d('host.sub'), type: 'A', class: 'ANY' }),
  ...both('root name: REFUSED', { name: '.', type: 'NS' }),
  ...both('label with a dot in it', { name: 'a\\.b.diff.test.', type: 'A' }),
  // meta and transfer qtypes, other opcodes
  ...both('qtype AXFR', { name: D, type: 'AXFR' }),
  ...both('qtype IXFR', { name: D, type: 'IXFR' }),
  ...both('qtype MAILB', { name: d('www'), type: 'MAILB' }),
  ...both('qtype OPT', { name: d('www'), type: 'OPT' }),
  ...both('qtype RRSIG, unsigned zone', { name: d('www'), type: 'RRSIG' }),
  ...both('qtype 0', { name: d('www'), type: 'TYPE0' }),
  ...both('opcode IQUERY', { name: d('www'), type: 'A', opcode: 'IQUERY' }, { allow: ['question-and-opt'] }),
  ...both('opcode STATUS', { name: d('www'), type: 'A', opcode: 'STATUS' }, { allow: ['question-and-opt'] }),
  ...both('opcode 3', { name: d('www'), type: 'A', opcode: '3' }, { allow: ['question-and-opt'] }),
  ...both('opcode 3, no EDNS', { name: d('www'), type: 'A', opcode: '3', edns: false }, { allow: ['question-and-opt'] }),
  ...both('opcode NOTIFY', { name: D, type: 'SOA', opcode: 'NOTIFY' }, { allow: ['question-and-opt', 'notimp'] }),
  ...both('opcode UPDATE', { name: D, type: 'SOA', opcode: 'UPDATE' }, { allow: ['question-and-opt'] }),
  // EDNS (RFC 6891)
  ...both('no EDNS', { name: D, type: 'MX', edns: false }),
  ...both('EDNS 512', { name: D, type: 'MX', edns: 512 }),
  ...both('EDNS 4096', { name: D, type: 'MX', edns: 4096 }),
  ...both('EDNS below 512', { name: d('www'), type: 'A', edns: 100 }),
  ...both('DO bit', { name: d('www'), type: 'A', do: true }),
  ...both('DO bit, NXDOMAIN', { name: d('nope'), type: 'A', do: true }),
  ...both('EDNS version 1: BADVERS', { name: d('www'), type: 'A', ednsVersion: 1 }),
  ...both('EDNS version 1 on a missing name: BADVERS', { name: d('nope'), type: 'A', ednsVersion: 1 }),
  // truncation (RFC 2181 §9, RFC 1035 §4.2.1)
  ...both('many A, no EDNS', { name: d('many'), type: 'A', edns: false }),
  ...both('many A, EDNS 512', { name: d('many'), type: 'A', edns: 512 }),
  ...both('many A, EDNS 1232', { name: d('many'), type: 'A' }),
  ...both('bigtxt TXT, no EDNS', { name: d('bigtxt'), type: 'TXT', edns: false }),
  ...both('bigtxt TXT, EDNS 512', { name: d('bigtxt'), type: 'TXT', edns: 512 }),
  ...both('bigtxt TXT, EDNS 4096', { name: d('bigtxt'), type: 'TXT', edns: 4096 }),
];

const I = 'import.test.';
const i = (rel: string) => (rel === '' ? I : `${rel}.${I}`);

const IMPORT_CASES: Case[] = [
  ...both('import apex SOA', { name: I, type: 'SOA' }),
  ...both('import apex NS', { name: I, type: 'NS' }),
  ...both('import apex MX', { name: I, type: 'MX' }),
  ...both('import apex A', { name: I, type: 'A' }),
  ...both('import apex AAAA', { name: I, type: 'AAAA' }),
  ...both('import apex TXT', { name: I, type: 'TXT' }),
  ...both('import apex CAA', { name: I, type: 'CAA' }),
  ...both('import ns1 A', { name: i('ns1'), type: 'A' }),
  ...both('import ns1 AAAA (absolute owner)', { name: i('ns1'), type: 'AAAA' }),
  ...both('import mail A (per-record TTL)', { name: i('mail'), type: 'A' }),
  ...both('import mail AAAA (class before TTL)', { name: i('mail'), type: 'AAAA' }),
  ...both('import CNAME chain from a mixed-case owner', { name: i('ftp'), type: 'A' }),
  ...both('import mixed-case owner', { name: i('webmail'), type: 'AAAA' }),
  ...both('import CNAME out of zone', { name: i('offsite'), type: 'A' }),
  ...both('import SRV', { name: i('_submissions._tcp'), type: 'SRV' }),
  ...both('import TXT with escapes', { name: i('quoted'), type: 'TXT' }),
  ...both('import empty TXT', { name: i('empty'), type: 'TXT' }),
  ...both('import TXT that is not UTF-8', { name: i('binary'), type: 'TXT' }),
  ...both('import TTL 0', { name: i('zero'), type: 'A' }),
  ...both('import wildcard A', { name: i('anything.dyn'), type: 'A' }),
  ...both('import wildcard TXT', { name: i('anything.dyn'), type: 'TXT' }),
  ...both('import name beside the wildcard', { name: i('host.dyn'), type: 'TXT' }),
  ...both('import 1 KB TXT RRset', { name: i('big'), type: 'TXT' }),
  ...both('import 1 KB TXT RRset, no EDNS', { name: i('big'), type: 'TXT', edns: false }),
  ...both('import referral', { name: i('www.sub'), type: 'A' }),
  ...both('import referral at the cut', { name: i('sub'), type: 'NS' }),
  ...both('import glue name', { name: i('ns.sub'), type: 'AAAA' }),
  ...both('import $ORIGIN apex', { name: i('lab'), type: 'TXT' }),
  ...both('import relative to $ORIGIN', { name: i('printer.lab'), type: 'A' }),
  ...both('import absolute after $ORIGIN, own TTL', { name: i('scanner.lab'), type: 'A' }),
  ...both('import NXDOMAIN', { name: i('nope'), type: 'A' }),
  ...both('import ENT', { name: i('_tcp'), type: 'SRV' }),
  ...both('import NODATA', { name: i('ns1'), type: 'MX' }),
  ...both('import ANY apex', { name: I, type: 'ANY' }, { kind: 'any', anyOwner: I }),
  ...both('import out of zone', { name: 'import.test.example.', type: 'A' }),
];

/** Every case of this file: KNOWN_BUGS and UNDECIDED entries must name one of them. */
const ALL_CASES = [...DIFF_CASES, ...IMPORT_CASES];

// ---------------------------------------------------------------------------
// Known mailns bugs: case id ('<base> udp') or base id (both transports) →
// description. Left out of the passing set; the entry goes once the bug is fixed.
// ---------------------------------------------------------------------------

const KNOWN_BUGS: Record<string, string> = {
};

/**
 * Differences that are not clearly mailns bugs, but where no RFC says mailns is
 * right either (NSD and other servers disagree; the RFCs prescribe nothing).
 * Left out of the passing set like KNOWN_BUGS, until someone decides.
 */
const UNDECIDED: Record<string, string> = {
};

const LISTINGS: Listing[] = [
  { name: 'KNOWN_BUGS', label: 'KNOWN BUG', entries: KNOWN_BUGS },
  { name: 'UNDECIDED', label: 'UNDECIDED', entries: UNDECIDED },
];

// ---------------------------------------------------------------------------
// Comparison: the deliberate differences of this suite; the general ones
// (normaliseNsd, diffReplies) are in test/helpers/compare.ts
// ---------------------------------------------------------------------------

/** Zone data of the suite's zone, for the comparisons below. */
interface Ctx {
  apex: string;
  /** Zone data in canonical line form. */
  lines: string[];
}

/** RRsets of an answer section: 'owner TYPE' → lines. */
function rrsets(lines: string[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const l of lines) {
    const p = parseLine(l);
    const k = `${p.owner} ${p.type}`;
    m.set(k, [...(m.get(k) ?? []), l]);
  }
  return m;
}

/**
 * Deliberate difference 3, qtype ANY. NSD 4.6 answers with one RRset of the
 * name, over UDP and TCP alike, picked by its own order. mailns answers with
 * one RRset over UDP (RFC 8482 §4.2: a subset is enough; it also leaves out
 * the additional data there) and with every RRset over TCP, where size is no
 * concern (RFC 8482 §4.1 lets a server answer in full). So: rcode, flags,
 * question, authority and EDNS must agree; NSD's answer must be one complete
 * RRset of that name in the zone, mailns's one complete RRset over UDP and
 * the whole node over TCP. Additional data is not compared (it follows the
 * RRsets each server picked).
 */
function checkAny(c: Case, ours: Reply, nsd: Reply, ctx: Ctx): string[] {
  const diffs = diffReplies(ours, nsd, new Set(['answer', 'additional']));
  const qname = c.q.name.toLowerCase();
  const owner = c.anyOwner!.toLowerCase();
  // The node's data, with the owner written as the qname (wildcards).
  const node = ctx.lines.filter((l) => parseLine(l).owner === owner).map((l) => {
    const p = parseLine(l);
    return `${qname} ${p.ttl} ${p.cls} ${p.type} ${p.rdata}`;
  });
  const nodeSets = rrsets(node);
  const oneRRset = (who: string, answer: string[]) => {
    const sets = rrsets(answer);
    if (sets.size !== 1) return diffs.push(`${who}: expected one RRset, got ${sets.size}: ${show(answer)}`);
    const [k, lines] = [...sets][0]!;
    const want = nodeSets.get(k);
    if (!want) return diffs.push(`${who}: ${k} is not an RRset of ${owner} in the zone`);
    if (show([...lines].sort()) !== show([...want].sort())) diffs.push(`${who}: ${k} is not the whole RRset: ${show(lines)}, zone has ${show(want)}`);
    return undefined;
  };
  oneRRset('nsd', nsd.answer);
  if (c.q.tcp) {
    if (show(ours.answer) !== show([...node].sort())) diffs.push(`mailns over TCP: expected every RRset of ${owner} ${show([...node].sort())}, got ${show(ours.answer)}`);
  } else {
    oneRRset('mailns', ours.answer);
    if (ours.additional.length) diffs.push(`mailns over UDP: expected no additional data, got ${show(ours.additional)}`);
  }
  return diffs;
}

/**
 * Deliberate difference 4, CHAOS class. NSD answers version.bind/id.server
 * without AA and with its own version and host name; mailns sets AA and says
 * 'mailns test'/'test-host'. Neither is specified (RFC 4892 describes these
 * names as a convention, nothing fixes AA or the text), so only the rcode and
 * the number of answers are compared.
 */
function checkChaos(ours: Reply, nsd: Reply): string[] {
  const diffs: string[] = [];
  if (ours.rcode !== nsd.rcode) diffs.push(`rcode: mailns ${ours.rcode} / nsd ${nsd.rcode}`);
  if (ours.answer.length !== nsd.answer.length) diffs.push(`answer count: mailns ${ours.answer.length} / nsd ${nsd.answer.length}`);
  return diffs;
}

/**
 * Deliberate difference 5, referral glue that does not fit. RFC 9471 §3: all
 * in-domain glue MUST be included, or TC set. mailns sets TC when it has to
 * leave glue out; NSD 4.6 sends what fits (A records of every server first,
 * then AAAA) without TC. So: the flags must agree apart from TC, which mailns
 * must set and NSD does not; authority and the rest must agree; each server's
 * glue must be zone data.
 */
function checkGlueTc(ours: Reply, nsd: Reply, ctx: Ctx): string[] {
  const diffs = diffReplies({ ...ours, flags: ours.flags.filter((f) => f !== 'TC') }, nsd, new Set(['additional']));
  if (!ours.flags.includes('TC')) diffs.push(`mailns: expected TC on a referral without room for all glue, got ${show(ours.flags)}`);
  const zone = new Set(ctx.lines);
  for (const [who, r] of [['mailns', ours], ['nsd', nsd]] as const) {
    for (const l of r.additional) if (!zone.has(l)) diffs.push(`${who}: additional ${l} is not zone data`);
  }
  return diffs;
}

/** The question as the client sent it, in dnspy.ts form. */
function sentQuestion(q: Query): string {
  return `${q.name.endsWith('.') ? q.name : `${q.name}.`} ${q.class ?? 'IN'} ${q.type}`;
}

/**
 * Per-case allowed differences, each where an RFC says mailns is right. Each
 * takes the two replies, returns them with the difference taken out (after
 * checking what mailns must do instead) plus any violations of that.
 */
const ALLOWANCES: Record<Allow, (c: Case, ours: Reply, nsd: Reply, ctx: Ctx) => { ours: Reply; nsd: Reply; diffs: string[] }> = {
  /**
   * NSD answers an opcode it does not implement (and class HS) with a bare
   * header: no question, and no OPT even when the query had one. RFC 6891 §7:
   * "The minimal response MUST be the DNS header, question section, and an OPT
   * record"; mailns keeps both. So mailns must echo the question as sent and
   * carry an OPT exactly when the query had one; NSD's lack of them is ignored.
   */
  'question-and-opt': (c, ours, nsd) => {
    const diffs: string[] = [];
    const question = [sentQuestion(c.q)];
    if (show(ours.question) !== show(question)) diffs.push(`mailns: question ${show(ours.question)}, expected the query's ${show(question)} (RFC 6891 §7)`);
    const hadEdns = c.q.edns !== false;
    if ((ours.edns !== null) !== hadEdns) diffs.push(`mailns: OPT ${ours.edns ? 'present' : 'absent'} but the query ${hadEdns ? 'had' : 'had no'} EDNS (RFC 6891 §7)`);
    const strip = (r: Reply): Reply => ({ ...r, question: [], edns: null });
    return { ours: strip(ours), nsd: strip(nsd), diffs };
  },
  /**
   * NOTIFY: mailns implements no NOTIFY (it is no secondary) and answers NOTIMP,
   * "the name server does not support the requested kind of query" (RFC 1035
   * §4.1.1). NSD implements NOTIFY and REFUSES it from a source it has no
   * allow-notify for.
   */
  notimp: (_c, ours, nsd) => {
    const diffs = ours.rcode === 'NOTIMP' ? [] : [`mailns: rcode ${ours.rcode}, expected NOTIMP (RFC 1035 §4.1.1)`];
    return { ours: { ...ours, rcode: nsd.rcode }, nsd, diffs };
  },
  /**
   * QCLASS=ANY negative answers: NSD leaves the authority section empty;
   * mailns sends the SOA. RFC 2308 §3: an authoritative server "MUST include
   * the SOA record of the zone in the authority section" of NXDOMAIN and NODATA
   * answers. mailns must send exactly the negative SOA.
   */
  'negative-soa': (_c, ours, nsd, ctx) => {
    const diffs: string[] = [];
    const soa = ctx.lines.find((l) => parseLine(l).type === 'SOA' && parseLine(l).owner === ctx.apex)!;
    const ok = ours.authority.length === 1 && parseLine(ours.authority[0]!).type === 'SOA' && parseLine(ours.authority[0]!).rdata === parseLine(soa).rdata;
    if (!ok) diffs.push(`mailns: authority ${show(ours.authority)}, expected the zone's SOA (RFC 2308 §3)`);
    return { ours: { ...ours, authority: nsd.authority }, nsd, diffs };
  },
  /**
   * NSD also adds addresses for an MX/SRV target that exists only through a
   * wildcard, synthesising them; mailns adds addresses only for names it holds.
   * Additional data is optional: RFC 1034 §4.3.2 step 6 ("attempt to add other
   * RRs which may be useful"); a resolver that wants the address asks for it.
   * mailns's additional section must be a subset of NSD's, the rest of NSD's
   * being data for names that are not in the zone (synthesised).
   */
  'wildcard-additional': (_c, ours, nsd, ctx) => {
    const diffs: string[] = [];
    const owners = new Set(ctx.lines.map((l) => parseLine(l).owner));
    for (const l of ours.additional) if (!nsd.additional.includes(l)) diffs.push(`mailns: additional ${l} is not in NSD's`);
    for (const l of nsd.additional) {
      if (!ours.additional.includes(l) && owners.has(parseLine(l).owner)) diffs.push(`mailns: additional lacks ${l}, data of a name in the zone`);
    }
    return { ours: { ...ours, additional: [] }, nsd: { ...nsd, additional: [] }, diffs };
  },
};

function compare(c: Case, oursRaw: Reply, nsdRaw: Reply, ctx: Ctx): string[] {
  let ours = oursRaw;
  let nsd = normaliseNsd(nsdRaw, ctx.apex);
  const diffs: string[] = [];
  for (const a of c.allow) {
    const r = ALLOWANCES[a](c, ours, nsd, ctx);
    ours = r.ours;
    nsd = r.nsd;
    diffs.push(...r.diffs);
  }
  switch (c.kind) {
    case 'any': return [...diffs, ...checkAny(c, ours, nsd, ctx)];
    case 'chaos': return [...diffs, ...checkChaos(ours, nsd)];
    case 'glue-tc': return [...diffs, ...checkGlueTc(ours, nsd, ctx)];
    default: return [...diffs, ...diffReplies(ours, nsd)];
  }
}

// ---------------------------------------------------------------------------
// Suites
// ---------------------------------------------------------------------------

describe.skipIf(missing.length > 0)(`differential A: YAML zone, mailns vs NSD on its export${suffix}`, () => {
  let mailns: Running;
  let nsd: NsdInstance;
  let ctx: Ctx;

  beforeAll(async () => {
    mailns = await startServer([path.join(FIXTURES, 'diff.test.yaml')]);
    const text = exportZone(mailns.loaded.zones[0]!.zone);
    ctx = { apex: D, lines: zoneLines(text) };
    nsd = await startNsd([{ name: D, text }]);
  });
  afterAll(async () => {
    await mailns?.stop();
    await nsd?.stop();
  });

  it('the fixture loads without errors; its deliberately odd records are silenced with a reason', () => {
    expect({
      problems: mailns.loaded.problems.map((p) => `${p.severity} ${p.rule} ${p.line}`),
      silenced: mailns.loaded.silenced.map((s) => `${s.problem.severity} ${s.problem.rule} ${s.problem.line}`),
    }).toEqual({ problems: ['info fcrdns-isp 43', 'info fcrdns-isp 43'], silenced: ['error dkim-key 75', 'info mx-single 85', 'info mx-single 86', 'error mx-cname 87', 'info mx-single 87'] });
  });

  it(`answers ${DIFF_CASES.length} queries like NSD`, async () => {
    checkCases(DIFF_CASES, LISTINGS, ALL_CASES);
    const { failures } = await runDifferential(DIFF_CASES, mailns, { host: '127.0.0.1', port: nsd.port }, (c, a, b) => compare(c, a, b, ctx), LISTINGS);
    expect(failures, report(failures)).toEqual([]);
  });

  todos(DIFF_CASES, LISTINGS);
});

describe.skipIf(missing.length > 0)(`differential B: BIND file, mailns on importZoneFile vs NSD on the original${suffix}`, () => {
  let mailns: Running & { dir: string };
  let nsd: NsdInstance;
  let ctx: Ctx;
  let yaml: string;

  beforeAll(async () => {
    const file = path.join(FIXTURES, 'import.test.zone');
    const text = fs.readFileSync(file, 'utf8');
    const imported = importZoneFile(text, 'import.test.zone');
    if (!imported.yaml) throw new Error(`import failed: ${show(imported.problems)}`);
    yaml = imported.yaml;
    mailns = await startWithYaml({ 'import.test.yaml': yaml });
    ctx = { apex: I, lines: zoneLines(exportZone(mailns.loaded.zones[0]!.zone)) };
    nsd = await startNsd([{ name: I, text }]);
  });
  afterAll(async () => {
    await mailns?.stop();
    await nsd?.stop();
  });

  it('the import has no problems and loads', () => {
    const text = fs.readFileSync(path.join(FIXTURES, 'import.test.zone'), 'utf8');
    expect(importZoneFile(text, 'import.test.zone').problems).toEqual([]);
    // The mail host's addresses are in reverse zones we do not serve: notes on what PTR to ask for, nothing more.
    expect(mailns.loaded.problems.map((p) => `${p.severity} ${p.rule}`)).toEqual(['info fcrdns-isp', 'info fcrdns-isp']);
  });

  it(`answers ${IMPORT_CASES.length} queries like NSD`, async () => {
    checkCases(IMPORT_CASES, LISTINGS, ALL_CASES);
    const { failures } = await runDifferential(IMPORT_CASES, mailns, { host: '127.0.0.1', port: nsd.port }, (c, a, b) => compare(c, a, b, ctx), LISTINGS);
    expect(failures, `${report(failures)}\n--- imported YAML:\n${yaml}`).toEqual([]);
  });

  todos(IMPORT_CASES, LISTINGS);
});
