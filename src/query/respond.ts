/**
 * From a decoded query to response bytes: class and opcode rules, EDNS
 * (RFC 6891), zone selection, the lookup, and truncation to the client's
 * size at RRset boundaries (RFC 2181 §9).
 */
import { lowerName, type Name } from '../util/name.js';
import { writeNegativeSoa } from './negative.js';
import { EDE_NOT_AUTHORITATIVE, EDE_NOT_SUPPORTED, EDE_OTHER, EDE_PROHIBITED, ede } from './ede.js';
import { CLASS, EDNS_OPTION, FLAG, RCODE, TYPE } from '../wire/constants.js';
import type { Decoded, DecodedQuery, Edns, Question } from '../wire/decode.js';
import { MessageWriter, Overflow } from '../wire/writer.js';
import type { Catalog } from '../zone/zone.js';
import type { Outcome, Placed } from './lookup.js';
import { mergeSteps, resolve } from './resolve.js';
import { chaosAnswer, type ChaosConfig } from './chaos.js';
import { ResponseCache } from './cache.js';
import type { ServerCookies } from './cookies.js';
import { RCODE_NOTAUTH, tsigSize, verifyRequest, type Keyring, type TsigRecord } from '../wire/tsig.js';
import { signingChain, signReply, tsigErrorReply, type Signer } from './tsig-reply.js';
import { nameKey, nameToText } from '../util/name.js';
import type { TransferPolicy } from '../zone/zone.js';
import { axfrMessages, MAX_MESSAGE, transferAllowed, xfrMessages, type AxfrStats } from './transfer.js';
import { clientSerial, ixfrDatagram, ixfrPlan, ixfrRecords, type JournalLookup } from './ixfr.js';
import type { Zone } from '../zone/zone.js';

/** Our EDNS UDP payload size: the DNS Flag Day 2020 value, no IP fragmentation. */
export const EDNS_UDP_SIZE = 1232;
const NO_EDNS_UDP_SIZE = 512; // RFC 1035 §4.2.1
const OPT_SIZE = 11;
/** The edns-tcp-keepalive option with its TIMEOUT (RFC 7828 §3.1). */
const KEEPALIVE_SIZE = 6;
/** The COOKIE option of a reply: the client cookie and our 16-octet server cookie (RFC 7873 §4, RFC 9018). */
const COOKIE_SIZE = 4 + 8 + 16;

export interface ResponderOptions {
  chaos: ChaosConfig;
  ednsUdpSize?: number;
  /** Told of every failure inside answering (the reply is SERVFAIL), to log and count it. */
  onFailure?: (err: unknown, query: DecodedQuery, catalog: Catalog) => void;
  /** TSIG keys (RFC 8945) requests may be signed with; a signed reply is signed with the same key. */
  keys?: Keyring;
  /** Who may transfer a zone whose file has no `transfer:` (none by default). */
  transfer?: TransferPolicy;
  /** The changes of each zone, for IXFR (RFC 1995); without it every IXFR gets the whole zone. */
  journal?: JournalLookup;
  /** The TCP idle timeout, told to a client that asks with edns-tcp-keepalive (RFC 7828 §3.3.2); none: not told. */
  tcpIdleTimeoutMs?: number;
  /** Server cookies (RFC 7873, RFC 9018) for replies to queries with a client cookie; none: no COOKIE in replies. */
  cookies?: ServerCookies;
}

/** Where a query came from, and when (TSIG's clock, in seconds). */
export interface RequestContext {
  peer?: string;
  now?: number;
}

/** A transfer: the messages after `bytes` (each already signed), and what to log. */
export interface TransferStream {
  zone: string;
  key?: string;
  /** AXFR; IXFR (incremental, from serial `from`); or an IXFR answered with the whole zone (RFC 1995 §4), and why. */
  kind: 'AXFR' | 'IXFR' | 'AXFR-style IXFR';
  from?: number;
  why?: string;
  /** Every message after the first. */
  rest: Iterator<Buffer>;
  stats: AxfrStats;
}

const NO_POLICY: TransferPolicy = { allow: [], keys: [] };
export type Transport = 'udp' | 'tcp';


export interface Reply {
  bytes: Buffer;
  rcode: number;
  /** For the query log. */
  outcome?: Outcome['kind'] | 'refused' | 'chaos' | 'truncated' | 'cached' | 'transfer' | 'tsig-error' | 'rate-limited' | IxfrOutcome;
  /** For a transfer (AXFR over TCP): the rest of the messages. */
  transfer?: TransferStream;
  /** Why a transfer was refused or a TSIG failed, for the log. */
  why?: string;
  /** Signed with the key the request's verified TSIG named (RFC 8945 §5.3). */
  signed?: true;
  /** The name rate limiting counts this reply under, when not the question's: the wildcard that answered, the zone of an NXDOMAIN, a referral's delegation. */
  rrlName?: Name;
}

/**
 * How an IXFR was answered: incremental; in full (RFC 1995 §4); our SOA
 * alone because the client is current, or because the changes do not fit
 * in a datagram (RFC 1995 §2: the client asks again over TCP).
 */
export type IxfrOutcome = 'ixfr' | 'ixfr-full' | 'ixfr-current' | 'ixfr-use-tcp';

const { QR: F_QR, AA: F_AA, TC: F_TC, RD: F_RD, CD: F_CD } = FLAG;


export class Responder {
  private readonly writer = new MessageWriter(Buffer.allocUnsafe(65535));
  private readonly cache = new ResponseCache();
  private readonly udpSize: number;
  /** Octets kept free for the TSIG of the reply being written. */
  private reserve = 0;
  /** The COOKIE option's data for the reply being made (client and server cookie), or none. */
  private cookie: Buffer | undefined;

  constructor(private readonly opts: ResponderOptions) {
    this.udpSize = opts.ednsUdpSize ?? EDNS_UDP_SIZE;
  }

  /** Never throws: a failure inside becomes SERVFAIL. `null` means send nothing. */
  /** `raw`, when given, lets identical questions be answered from the response cache. */
  respond(decoded: Decoded, catalog: Catalog, transport: Transport, raw?: Buffer, ctx: RequestContext = {}): Reply | null {
    if (decoded.kind === 'drop') return null;
    // RFC 8945 §5.2: a TSIG that could be read is checked before anything else, whatever the rcode will be.
    const tsig = decoded.kind === 'query' ? decoded.query.tsig : decoded.tsig;
    if (!tsig) return this.dispatch(decoded, catalog, transport, raw, ctx, undefined);
    const checked = this.checkTsig(decoded, tsig, transport, raw, ctx);
    if ('reply' in checked) return checked.reply;
    // §5.3: the reply is signed, never taken from (or kept in) the cache; a transfer signs each message as it is made.
    const reply = this.dispatch(decoded, catalog, transport, undefined, ctx, checked.signer);
    return reply.transfer ? reply : { ...reply, bytes: signReply(reply.bytes, checked.signer), signed: true };
  }

  /** The reply to a request (its TSIG, if any, verified: `signer`), room kept for the TSIG record. */
  private dispatch(decoded: Exclude<Decoded, { kind: 'drop' }>, catalog: Catalog, transport: Transport, raw: Buffer | undefined, ctx: RequestContext, signer: Signer | undefined): Reply {
    this.reserve = signer ? tsigSize(signer.key) : 0;
    const asked = (decoded.kind === 'query' ? decoded.query.edns : decoded.edns)?.cookie;
    // RFC 7873 §5.2: a client cookie gets itself back with a fresh server cookie, valid or not what came with it.
    this.cookie = asked && this.opts.cookies ? this.opts.cookies.reply(asked.client, ctx.peer) : undefined;
    try {
      if (decoded.kind === 'error') {
        // An opcode we do not implement: only QR, the opcode and the rcode in the header (no RD or CD echoed).
        if (decoded.rcode === RCODE.NOTIMP) return this.bare(decoded.id, decoded.flags & FLAG.OPCODE, RCODE.NOTIMP, decoded.question, decoded.edns, transport, false, ede(EDE_NOT_SUPPORTED, ''));
        return this.bare(decoded.id, decoded.flags, decoded.rcode, decoded.question, decoded.edns, transport);
      }
      const q = decoded.query;
      // RFC 6891 §6.1.3: a version we do not implement gets BADVERS and nothing else.
      if (q.edns && q.edns.version > 0) return this.bare(q.id, q.flags, RCODE.BADVERS, q, q.edns, transport);
      if (q.qtype === TYPE.AXFR || q.qtype === TYPE.IXFR) {
        try { return this.transfer(q, catalog, transport, ctx, signer); } catch (err) { return this.failed(err, q, catalog, transport); }
      }
      // Only plain IN questions are cached (CHAOS answers can change with options, errors are cheap), and
      // none with a cookie (each reply has its own).
      const nameLen = raw && q.qclass === CLASS.IN && !this.cookie ? ResponseCache.plainNameLength(raw) : 0;
      // What else shapes the reply: the size it must fit, the transport, EDNS and DO, and keepalive over TCP.
      const shape = nameLen ? this.limit(q.edns, transport) | (transport === 'tcp' ? 1 << 16 : 0) | ((q.edns ? (q.edns.do ? 2 : 1) : 0) << 17) | (transport === 'tcp' && q.edns?.keepalive ? 1 << 19 : 0) : 0;
      if (nameLen) {
        const hit = this.cache.get(catalog, raw!, nameLen, shape);
        if (hit) return { bytes: hit.bytes, rcode: hit.bytes[3]! & 0xf, outcome: 'cached', rrlName: hit.rrlName };
      }
      try {
        const reply = this.answer(q, catalog, transport);
        if (nameLen && reply.rcode !== RCODE.SERVFAIL) this.cache.keep(raw!, nameLen, shape, reply.bytes, reply.rrlName);
        return reply;
      } catch (err) {
        return this.failed(err, q, catalog, transport);
      }
    } finally {
      this.reserve = 0;
      this.cookie = undefined;
    }
  }

  /** SERVFAIL for a failure, reported. */
  private failed(err: unknown, q: DecodedQuery, catalog: Catalog, transport: Transport): Reply {
    try { this.opts.onFailure?.(err, q, catalog); } catch { /* reporting must not stop the reply */ }
    return this.bare(q.id, q.flags, RCODE.SERVFAIL, q, q.edns, transport);
  }

  /**
   * A request's TSIG (RFC 8945 §5.2): a failure is NOTAUTH with the TSIG
   * error (src/query/tsig-reply.ts), or FORMERR for a MAC of impossible
   * length (§5.2.2.1); a good one gives the signer of the reply (§5.3).
   */
  private checkTsig(decoded: Exclude<Decoded, { kind: 'drop' }>, t: TsigRecord, transport: Transport, raw: Buffer | undefined, ctx: RequestContext): { reply: Reply } | { signer: Signer } {
    const d = decoded.kind === 'query' ? { ...decoded.query, question: decoded.query } : decoded;
    const now = ctx.now ?? Math.floor(Date.now() / 1000);
    const v = raw ? verifyRequest(raw, t, this.opts.keys ?? new Map(), now) : undefined;
    if (v && !v.ok && 'formerr' in v) return { reply: { ...this.bare(d.id, d.flags, RCODE.FORMERR, d.question, d.edns, transport), outcome: 'tsig-error', why: v.why } };
    if (!v || !v.ok) {
      const base = this.bare(d.id, d.flags, RCODE_NOTAUTH, d.question, d.edns, transport);
      return { reply: { bytes: tsigErrorReply(base.bytes, t, v, now), rcode: RCODE_NOTAUTH, outcome: 'tsig-error', why: v ? v.why : 'no message to check' } };
    }
    return { signer: { key: v.key, mac: v.mac, originalId: t.originalId, now } };
  }

  /**
   * AXFR (RFC 5936) over TCP, and IXFR (RFC 1995) over TCP and UDP, for the
   * apex of a zone we serve, to clients its policy allows.
   */
  private transfer(q: DecodedQuery, catalog: Catalog, transport: Transport, ctx: RequestContext, signer: Signer | undefined): Reply {
    // RFC 5936 §4.2 leaves AXFR over UDP undefined: NOTIMP, as NSD.
    if (transport === 'udp' && q.qtype === TYPE.AXFR) return this.bare(q.id, q.flags, RCODE.NOTIMP, q, q.edns, transport);
    const lname = lowerName(q.qname);
    const zone = catalog.findZone(lname);
    const zoneText = nameToText(lname);
    // RFC 5936 §2.2.1: a zone we are not authoritative for is NOTAUTH.
    if (!zone || zone.origin.length !== lname.length || q.qclass !== CLASS.IN) return { ...this.bare(q.id, q.flags, RCODE_NOTAUTH, q, q.edns, transport), outcome: 'refused', why: `no zone ${zoneText}` };
    const key = signer ? nameKey(signer.key.name) : undefined;
    const access = transferAllowed(zone.options.transfer ?? this.opts.transfer ?? NO_POLICY, ctx.peer ?? '', key);
    if (!access.ok) return { ...this.refused(q, transport, EDE_PROHIBITED, 'zone transfer not allowed'), why: access.why };
    const tooMany = zone.unpublishable();
    if (tooMany.length) {
      const why = `${tooMany.map((s) => `${s.size()} ${s.description}`).join(', ')}: more than a transfer lists, so a secondary would answer NXDOMAIN for them`;
      return { ...this.refused(q, transport, EDE_OTHER, 'generic names too many to transfer'), why };
    }
    const reserve = signer ? tsigSize(signer.key) : 0;
    const stats: AxfrStats = { messages: 0, records: 0 };
    const stream = { zone: zoneText, key, stats };
    if (q.qtype === TYPE.AXFR) return this.stream(axfrMessages(zone, q, reserve, stats), signer, { ...stream, kind: 'AXFR' });
    const plan = ixfrPlan(zone, clientSerial(q, zone), this.opts.journal?.(zone));
    if (plan.kind === 'current') return this.soaAlone(q, zone, transport, 'ixfr-current');
    if (transport === 'udp') {
      // RFC 1995 §2: the changes if they fit in one datagram, else our SOA alone, and the client asks over TCP.
      const one = plan.kind === 'incremental' ? ixfrDatagram(zone, plan.changes, q, this.limit(q.edns, transport)) : undefined;
      return one ? { bytes: one, rcode: RCODE.NOERROR, outcome: 'ixfr' } : this.soaAlone(q, zone, transport, 'ixfr-use-tcp');
    }
    if (plan.kind === 'incremental') return this.stream(xfrMessages(ixfrRecords(zone, plan.changes), q, MAX_MESSAGE - reserve, stats), signer, { ...stream, kind: 'IXFR', from: plan.from }, 'ixfr');
    return this.stream(axfrMessages(zone, q, reserve, stats), signer, { ...stream, kind: 'AXFR-style IXFR', why: plan.why }, 'ixfr-full');
  }

  /** A transfer's messages, each signed as it is made (RFC 8945 §5.3.1): the first in the reply, the rest for the transport. */
  private stream(messages: Iterator<Buffer>, signer: Signer | undefined, t: Omit<TransferStream, 'rest'>, outcome: Reply['outcome'] = 'transfer'): Reply {
    const sign = signingChain(signer);
    const first = messages.next();
    if (first.done) throw new Error('a transfer without messages');
    const rest: Iterator<Buffer> = { next: () => { const r = messages.next(); return r.done ? r : { done: false, value: sign(r.value) }; } };
    return { bytes: sign(first.value), rcode: RCODE.NOERROR, outcome, transfer: { ...t, rest } };
  }

  /** The zone's SOA as the only answer (RFC 1995 §2, §4). */
  private soaAlone(q: DecodedQuery, zone: Zone, transport: Transport, outcome: IxfrOutcome): Reply {
    return this.sections(q, transport, true, RCODE.NOERROR, [{ owner: zone.origin, rrset: zone.soa }], [], [], outcome);
  }

  /** REFUSED with an extended error (RFC 8914) when the query has EDNS to carry it. */
  private refused(q: DecodedQuery, transport: Transport, code: number, text: string): Reply {
    return this.bare(q.id, q.flags, RCODE.REFUSED, q, q.edns, transport, false, ede(code, text));
  }

  private limit(edns: Edns | undefined, transport: Transport): number {
    if (transport === 'tcp') return 65535 - this.reserve;
    // RFC 6891 §6.2.5: fit the smaller of the requestor's and our own size.
    return (edns ? Math.min(edns.udpSize, this.udpSize) : NO_EDNS_UDP_SIZE) - this.reserve;
  }

  private header(id: number, qflags: number, rcode: number, aa: boolean, hasQuestion: boolean): void {
    const w = this.writer;
    // RFC 1035 §4.1.1: opcode and RD copied; RA clear (we do not recurse); RFC 4035 §3.1.6: CD copied.
    const flags = F_QR | (qflags & FLAG.OPCODE) | (aa ? F_AA : 0) | (qflags & F_RD) | (qflags & F_CD) | (rcode & 0xf);
    w.u16(id);
    w.u16(flags);
    w.u16(hasQuestion ? 1 : 0);
    w.u16(0); w.u16(0); w.u16(0);
  }

  private question(q: Question): void {
    this.writer.name(q.qname);
    this.writer.u16(q.qtype);
    this.writer.u16(q.qclass);
  }

  /**
   * RFC 6891 §6.1.2: our OPT, extended rcode bits and the DO bit echoed
   * (RFC 3225 §3); over TCP, to a query that asked with edns-tcp-keepalive,
   * the idle timeout in units of 100 ms (RFC 7828 §3.3.2); then `extra`
   * (whole options, an Extended DNS Error).
   */
  private opt(edns: Edns, rcode: number, transport: Transport, extra?: Buffer): void {
    const w = this.writer;
    const idle = this.keepalive(edns, transport);
    w.u8(0);
    w.u16(TYPE.OPT);
    w.u16(this.udpSize);
    w.u32(((rcode >> 4) << 24) | (edns.do ? 0x8000 : 0));
    w.u16((idle >= 0 ? KEEPALIVE_SIZE : 0) + (this.cookie ? 4 + this.cookie.length : 0) + (extra?.length ?? 0));
    if (idle >= 0) { w.u16(EDNS_OPTION.TCP_KEEPALIVE); w.u16(2); w.u16(idle); }
    if (this.cookie) { w.u16(EDNS_OPTION.COOKIE); w.u16(this.cookie.length); w.bytes(this.cookie); }
    if (extra) w.bytes(extra);
  }

  /** The TIMEOUT to tell in the reply (units of 100 ms), or -1 for none. */
  private keepalive(edns: Edns, transport: Transport): number {
    return transport === 'tcp' && edns.keepalive && this.opts.tcpIdleTimeoutMs !== undefined ? Math.min(0xffff, Math.floor(this.opts.tcpIdleTimeoutMs / 100)) : -1;
  }

  private setCount(section: 0 | 1 | 2 | 3, n: number): void {
    this.writer.buf.writeUInt16BE(n, 4 + section * 2);
  }

  private bare(id: number, qflags: number, rcode: number, question: Question | undefined, edns: Edns | undefined, transport: Transport, aa = false, extra?: Buffer): Reply {
    const w = this.writer;
    w.reset(this.limit(edns, transport));
    this.header(id, qflags, rcode, aa, question !== undefined);
    try {
      if (question) this.question(question);
    } catch (e) {
      if (!(e instanceof Overflow)) throw e;
      w.reset(this.limit(edns, transport));
      this.header(id, qflags | F_TC, rcode, aa, false);
    }
    if (edns) {
      w.limit = w.buf.length;
      this.opt(edns, rcode, transport, extra);
      this.setCount(3, 1);
    }
    return { bytes: w.finish(), rcode, outcome: rcode === RCODE.REFUSED ? 'refused' : undefined, rrlName: undefined };
  }

  private answer(q: DecodedQuery, catalog: Catalog, transport: Transport): Reply {
    // RFC 6891 §6.1.3: a version we do not implement gets BADVERS and nothing else.
    if (q.edns && q.edns.version > 0) return this.bare(q.id, q.flags, RCODE.BADVERS, q, q.edns, transport);
    if (q.qclass === CLASS.CH) {
      const rr = chaosAnswer(this.opts.chaos, lowerName(q.qname), q.qtype);
      if (!rr) return this.bare(q.id, q.flags, RCODE.REFUSED, q, q.edns, transport);
      return this.sections(q, transport, true, RCODE.NOERROR, [rr], [], [], 'chaos');
    }
    // A class we hold no zone of (NONE too: RFC 2136 §2.3 gives it meaning in updates only), or a name in no zone we serve.
    if (q.qclass !== CLASS.IN && q.qclass !== CLASS.ANY) return this.refused(q, transport, EDE_NOT_AUTHORITATIVE, '');
    const r = resolve(catalog, q.qname, q.qtype, q.qname);
    if (r.steps.length === 0) return this.refused(q, transport, EDE_NOT_AUTHORITATIVE, '');
    const out = mergeSteps(r.steps);
    let answer = out.answer;
    // RFC 8482 §4.2: over UDP, ANY gets one RRset, not the whole node.
    if (q.qtype === TYPE.ANY && transport === 'udp' && answer.length > 1) answer = [answer[0]!];
    // A referral keeps its glue whatever the qtype (RFC 9471 §3).
    const additional = q.qtype === TYPE.ANY && transport === 'udp' && out.kind !== 'referral' ? [] : out.additional;
    // RFC 1034 §4.3.2: AA on authoritative data; a referral is not (unless a CNAME we own led to it).
    // A QCLASS=ANY reply is not authoritative: we cannot speak for every class (as NSD and BIND).
    const aa = (out.kind !== 'referral' || out.answer.length > 0) && q.qclass === CLASS.IN;
    const rcode = out.kind === 'nxdomain' ? RCODE.NXDOMAIN : RCODE.NOERROR;
    // The name rate limiting counts the reply under, as NSD does: a wildcard's answers by its owner, NXDOMAIN by the
    // zone it is in (random names under one are one bucket), a referral by its delegation; others by the question.
    const rrlName = out.kind === 'nxdomain' ? r.zone!.origin : out.kind === 'referral' && out.answer.length === 0 ? out.authority[0]?.owner : out.wildcard;
    return this.sections(q, transport, aa, rcode, answer, out.authority, additional, out.kind, rrlName);
  }

  private sections(q: DecodedQuery, transport: Transport, aa: boolean, rcode: number, answer: Placed[], authority: Placed[], additional: Placed[], outcome: Reply['outcome'], rrlName?: Name): Reply {
    const w = this.writer;
    const limit = this.limit(q.edns, transport);
    w.reset(q.edns ? limit - OPT_SIZE - (this.keepalive(q.edns, transport) >= 0 ? KEEPALIVE_SIZE : 0) - (this.cookie ? COOKIE_SIZE : 0) : limit);
    this.header(q.id, q.flags, rcode, aa, true);
    let tc = false;
    const counts = [0, 0, 0];
    try {
      this.question(q);
      const afterQuestion = w.mark();
      try {
        for (const p of answer) counts[0] += this.rrset(p);
        for (const p of authority) {
          const n = answer.length === 0 ? writeNegativeSoa(this.writer, q, p) : -1;
          counts[1] += n >= 0 ? n : this.rrset(p);
        }
      } catch (e) {
        if (!(e instanceof Overflow)) throw e;
        // RFC 2181 §9: required data did not fit; send the header and question with TC.
        w.rollback(afterQuestion);
        counts[0] = counts[1] = 0;
        tc = true;
      }
      if (!tc) {
        for (const p of additional) {
          const m = w.mark();
          try {
            counts[2] += this.rrset(p);
          } catch (e) {
            if (!(e instanceof Overflow)) throw e;
            w.rollback(m);
            // RFC 9471 §3: in-domain glue of a referral must fit, or TC; other additional data is optional.
            if (p.required) { tc = true; break; }
          }
        }
      }
    } catch (e) {
      if (!(e instanceof Overflow)) throw e;
      return this.bare(q.id, q.flags | F_TC, rcode, undefined, q.edns, transport, aa);
    }
    if (tc) w.buf[2]! |= F_TC >> 8;
    this.setCount(1, counts[0]!);
    this.setCount(2, counts[1]!);
    let arcount = counts[2]!;
    if (q.edns) {
      w.limit = w.buf.length;
      this.opt(q.edns, rcode, transport);
      arcount++;
    }
    this.setCount(3, arcount);
    return { bytes: w.finish(), rcode, outcome: tc ? 'truncated' : outcome, rrlName };
  }

  private rrset(p: Placed): number {
    const rs = p.rrset;
    for (const rd of rs.rdatas) this.writer.rr(p.owner, rs.type, rs.klass, rs.ttl, rd, rs.compress);
    return rs.rdatas.length;
  }
}

