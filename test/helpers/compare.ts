/**
 * The comparison shared by the differential conformance suites
 * (test/conformance/nsd.test.ts, test/conformance/reverse.test.ts): mailns and
 * NSD get the same queries, and their canonical replies (test/helpers/dnspy.ts)
 * must agree field by field, up to the deliberate differences normalised here
 * (1: minimal responses, 2: EDE on REFUSED), each with its reason. A suite adds
 * its own normalisations through the `compare` it passes to runDifferential.
 *
 * Cases that show a mailns bug are listed in a suite's KNOWN_BUGS (and, in
 * nsd.test.ts, cases no RFC decides in UNDECIDED): they are left out of the
 * passing set and shown as todo; a warning says when one already agrees with NSD.
 *
 * Debugging: MAILNS_CONFORMANCE_DUMP=/tmp/dump.jsonl appends every query with
 * both raw replies to that file.
 */
import fs from 'node:fs';
import { it } from 'vitest';
import { queryAll, type Query, type Reply } from './dnspy.js';

// ---------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------

/** What every differential case has; suites extend it. */
export interface BaseCase {
  /** Unique; '<base id> udp' / '<base id> tcp'. */
  id: string;
  /** The id shared by the UDP and TCP variants. */
  base: string;
  q: Query;
}

/**
 * A list of cases left out of the passing set: case id ('<base> udp') or base
 * id (both transports) → description. `name` is the constant's name (for
 * errors and warnings), `label` the todo's prefix.
 */
export interface Listing {
  name: string;
  label: string;
  entries: Record<string, string>;
}

/** In one of the listings, by its own id or its base id. */
export function listed(c: BaseCase, listings: readonly Listing[]): boolean {
  return [c.id, c.base].some((k) => listings.some((l) => l.entries[k] !== undefined));
}

/** Listing entries of this suite, shown as todo so they stay visible. */
export function todos(cases: readonly BaseCase[], listings: readonly Listing[]): void {
  for (const { label, entries } of listings) {
    for (const [base, why] of Object.entries(entries)) {
      if (cases.some((c) => c.base === base || c.id === base)) it.todo(`${label} ${base}: ${why}`);
    }
  }
}

/**
 * Throws when a listing entry names no case of `all` (every case of the file),
 * or when two of `cases` share an id.
 */
export function checkCases(cases: readonly BaseCase[], listings: readonly Listing[], all: readonly BaseCase[] = cases): void {
  for (const base of listings.flatMap((l) => Object.keys(l.entries))) {
    if (!all.some((c) => c.base === base || c.id === base)) throw new Error(`${listings.map((l) => l.name).join('/')} names no case: ${base}`);
  }
  const ids = new Set<string>();
  for (const c of cases) {
    if (ids.has(c.id)) throw new Error(`duplicate case id ${c.id}`);
    ids.add(c.id);
  }
}

// ---------------------------------------------------------------------------
// Zone data and reply lines
// ---------------------------------------------------------------------------

/** Types whose rdata dnspy.ts lower-cases (names and numbers only). */
const LOWER_RDATA = new Set(['NS', 'CNAME', 'PTR', 'MX', 'SRV', 'SOA', 'DNAME']);

/** Zone data in the canonical line form of dnspy.ts ('owner ttl CLASS TYPE rdata'), from an exportZone text. */
export function zoneLines(exported: string): string[] {
  const out: string[] = [];
  for (const line of exported.split('\n')) {
    if (!line || line.startsWith('$') || line.startsWith(';')) continue;
    const [owner, ttl, cls, type, ...rest] = line.split('\t');
    const rdata = rest.join('\t');
    out.push(`${owner!.toLowerCase()} ${ttl} ${cls} ${type} ${LOWER_RDATA.has(type!) ? rdata.toLowerCase() : rdata}`);
  }
  return out;
}

export interface Line { owner: string; ttl: string; cls: string; type: string; rdata: string }
export function parseLine(l: string): Line {
  const [owner, ttl, cls, type, ...rest] = l.split(' ');
  return { owner: owner!, ttl: ttl!, cls: cls!, type: type!, rdata: rest.join(' ') };
}

/** Names that A/AAAA additional processing targets: NS, MX, SRV rdata (RFC 1034 §3.6.2, RFC 2782). */
function targets(lines: string[]): Set<string> {
  const t = new Set<string>();
  for (const l of lines) {
    const p = parseLine(l);
    if (p.type === 'NS' || p.type === 'MX' || p.type === 'SRV') t.add(p.rdata.split(' ').pop()!);
  }
  return t;
}

export function show(v: unknown): string {
  return JSON.stringify(v);
}

// ---------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------

/**
 * Deliberate difference 1, minimal responses. NSD (minimal-responses: no, its
 * default, which startNsd keeps: it takes no extra configuration) adds the apex
 * NS RRset of the zone that answers to the authority section of positive
 * answers and the NS hosts' addresses to the additional section. mailns answers
 * minimally: RFC 1034 §4.3.2 requires the NS RRset only in referrals (step 3b)
 * and makes other additional data optional ("attempt to add ... RRs which may
 * be useful", step 6); leaving it out saves size and keeps answers under 1232
 * octets. We drop exactly that data from NSD's positive answers (NOERROR with a
 * non-empty answer section); addresses that are also additional data for the
 * answer itself (an MX, SRV or NS target in the answer, or a referral's NS in
 * the authority) are kept.
 *
 * `apex` is the apex of the zone that answers: nsd.test.ts serves one zone per
 * suite and passes its apex; in reverse.test.ts the answering zone varies per
 * query, so its apex is found from the qname (apexOf there; the NS hosts'
 * addresses NSD adds are from rev.test., which NSD also serves). Undefined (a
 * name in no zone served) leaves the reply as it is.
 */
export function normaliseNsd(r: Reply, apex: string | undefined): Reply {
  if (!apex || r.rcode !== 'NOERROR' || r.answer.length === 0) return r;
  const authority = r.authority.filter((l) => {
    const p = parseLine(l);
    return !(p.owner === apex && p.type === 'NS');
  });
  const apexNsHosts = targets(r.authority.filter((l) => !authority.includes(l)));
  const wanted = targets([...r.answer, ...authority]);
  const additional = r.additional.filter((l) => {
    const p = parseLine(l);
    return !((p.type === 'A' || p.type === 'AAAA') && apexNsHosts.has(p.owner) && !wanted.has(p.owner));
  });
  return { ...r, authority, additional };
}

/** Field-by-field differences of two replies; [] when they agree. Fields in `skip` are not compared. */
export function diffReplies(ours: Reply, nsd: Reply, skip: ReadonlySet<string> = new Set()): string[] {
  const diffs: string[] = [];
  const cmp = (field: string, a: unknown, b: unknown) => {
    if (skip.has(field)) return;
    if (show(a) !== show(b)) diffs.push(`${field}: mailns ${show(a)} / nsd ${show(b)}`);
  };
  cmp('error', ours.error, nsd.error);
  cmp('rcode', ours.rcode, nsd.rcode);
  cmp('opcode', ours.opcode, nsd.opcode);
  cmp('flags', ours.flags, nsd.flags);
  cmp('question', ours.question, nsd.question);
  cmp('answer', ours.answer, nsd.answer);
  cmp('authority', ours.authority, nsd.authority);
  cmp('additional', ours.additional, nsd.additional);
  cmp('edns', ours.edns === null, nsd.edns === null);
  if (ours.edns && nsd.edns) {
    cmp('edns.version', ours.edns.version, nsd.edns.version);
    cmp('edns.do', ours.edns.do, nsd.edns.do);
    cmp('edns.payload', ours.edns.payload, nsd.edns.payload);
    // Deliberate difference 2: NSD adds Extended DNS Error 20 (Not Authoritative)
    // or 21 (Not Supported) or 18 (Prohibited) to REFUSED; mailns sends no EDE.
    // RFC 8914 makes EDE optional, so options are compared only on other replies.
    if (!(ours.rcode === 'REFUSED' && nsd.rcode === 'REFUSED')) cmp('edns.options', ours.edns.options, nsd.edns.options);
  }
  return diffs;
}

// ---------------------------------------------------------------------------
// Running and reporting
// ---------------------------------------------------------------------------

export interface Failure { case: string; query: Query; diffs: string[]; mailns: Reply; nsd: Reply }

type Server = { host: string; port: number };

/**
 * Sends every case's query to both servers and compares the raw replies with
 * `compare` (which applies the normalisations). Cases in `listings` are left
 * out of the failures; those that already agree are returned as fixedBugs and
 * warned about.
 */
export async function runDifferential<C extends BaseCase>(
  cases: C[],
  ours: Server,
  nsd: Server,
  compare: (c: C, ours: Reply, nsd: Reply) => string[],
  listings: readonly Listing[],
) {
  const [a, b] = await Promise.all([queryAll(ours, cases.map((c) => c.q)), queryAll(nsd, cases.map((c) => c.q))]);
  if (process.env.MAILNS_CONFORMANCE_DUMP) {
    // Debugging aid: every query with both raw replies, appended as JSON lines.
    fs.appendFileSync(process.env.MAILNS_CONFORMANCE_DUMP, cases.map((c, n) => show({ case: c.id, query: c.q, mailns: a[n], nsd: b[n] }) + '\n').join(''));
  }
  const failures: Failure[] = [];
  const fixedBugs: string[] = [];
  cases.forEach((c, n) => {
    // A reply both servers fail to give (timeout, parse error) would compare equal: never let it pass.
    const noReply = [['mailns', a[n]!], ['nsd', b[n]!]].filter(([, r]) => (r as Reply).error !== undefined).map(([who, r]) => `${who as string}: no usable reply: ${(r as Reply).error}`);
    const diffs = [...noReply, ...compare(c, a[n]!, b[n]!)];
    if (listed(c, listings)) {
      if (diffs.length === 0) fixedBugs.push(c.id);
      return;
    }
    if (diffs.length) failures.push({ case: c.id, query: c.q, diffs, mailns: a[n]!, nsd: b[n]! });
  });
  if (fixedBugs.length) console.warn(`${listings.map((l) => l.name).join('/')} entries that now agree with NSD (remove them): ${fixedBugs.join(', ')}`);
  return { failures, fixedBugs, replies: a };
}

/** The failures as the message of the suite's expect. */
export function report(failures: Failure[]): string {
  return `${failures.length} replies differ from NSD:\n` + failures.map((f) =>
    `--- ${f.case}: ${show(f.query)}\n  ${f.diffs.join('\n  ')}\n  mailns: ${show(f.mailns)}\n  nsd:    ${show(f.nsd)}`).join('\n');
}
