/**
 * The running server: listeners on every --listen address (UDP and TCP on the
 * same port), one Responder per process, and the current Catalog held in one
 * reference that a reload replaces whole (queries read it once).
 */
import type { AddressInfo, Socket } from 'node:net';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { decodeQuery, type Question } from '../wire/decode.js';
import { typeToText } from '../wire/constants.js';
import { lowerName, nameKey, nameToText, wireLength } from '../util/name.js';
import { classify, ResponseRateLimiter, slipReply, type RrlSettings } from './rrl.js';
import { ServerCookies } from '../query/cookies.js';
import { FailureLog } from './failures.js';
import { Responder, type Reply, type ResponderOptions, type TransferStream } from '../query/respond.js';
import type { Catalog } from '../zone/zone.js';
import { UdpListener, type Stream, type Transport } from './transport.js';
import { TcpListener, type TcpLimits, type TcpStats } from './tcp.js';
import type { ServerMetrics } from './metrics.js';

const UDP_BUFFER = 4 * 1024 * 1024;

export interface ListenAddress { host: string; port: number }

export interface ServerOptions extends ResponderOptions {
  listen: ListenAddress[];
  tcp?: Partial<TcpLimits>;
  /** Response rate limiting over UDP (src/server/rrl.ts); none: off (serve turns it on by default). */
  rrl?: RrlSettings;
  /** Counted only when given (serve --metrics). */
  metrics?: ServerMetrics;
}

/** The TCP bounds unless told otherwise (serve's flags, the configuration file). */
export const DEFAULT_TCP_LIMITS: TcpLimits = { idleTimeoutMs: 10_000, ioTimeoutMs: 3_000, maxConnections: 1000, maxPerClient: 64, heldMessages: 64, heldBytes: 64 * 1024 };

export class DnsServer {
  private catalog: Catalog;
  private readonly responder: Responder;
  private readonly udp: UdpListener[] = [];
  private readonly tcp: TcpListener[] = [];
  /** Open TCP connections: net.Server.close() only stops accepting, and waits for these to end. */
  private readonly connections = new Set<Socket>();
  private readonly limits: TcpLimits;
  readonly bound: { udp: AddressInfo[]; tcp: AddressInfo[] } = { udp: [], tcp: [] };

  /** Failures inside answering and handling, counted and logged (rate-limited). */
  readonly failures: FailureLog;

  constructor(catalog: Catalog, private readonly opts: ServerOptions, private readonly log: Logger) {
    this.catalog = catalog;
    this.failures = new FailureLog(log);
    this.limits = { ...DEFAULT_TCP_LIMITS, ...opts.tcp };
    this.responder = new Responder({
      ...opts,
      tcpIdleTimeoutMs: this.limits.idleTimeoutMs,
      cookies: this.cookies,
      onFailure: (err, q, c) => {
        const zone = c.findZone(lowerName(q.qname));
        this.failures.report('lookup', { err, zone: zone ? nameToText(zone.origin) : undefined, qname: nameToText(q.qname), qtype: typeToText(q.qtype) }, 'lookup failed; answered SERVFAIL');
        opts.onFailure?.(err, q, c);
      },
    });
    this.metrics = opts.metrics;
    this.rrl = opts.rrl && opts.rrl.rate > 0 ? new ResponseRateLimiter(opts.rrl) : undefined;
    this.metrics?.served(catalog);
  }

  private readonly metrics: ServerMetrics | undefined;
  private readonly rrl: ResponseRateLimiter | undefined;
  /** RFC 7873 server cookies: made for every reply to a client cookie, checked to spare a client rate limiting. */
  private readonly cookies = new ServerCookies();

  /** Responses counted by rate limiting, per class and action ("nxdomain dropped"); empty when it is off. */
  rrlCounts(): ReadonlyMap<string, number> {
    return this.rrl?.counts ?? new Map();
  }

  /** Atomic swap: queries in flight finish on the snapshot they started with. */
  setCatalog(c: Catalog): void {
    this.catalog = c;
    this.metrics?.served(c);
  }

  private readonly onMessage = (msg: Buffer, transport: Transport, peer: string): Buffer | Stream | null => {
    const decoded = decodeQuery(msg);
    const q = decoded.kind === 'query' ? decoded.query : decoded.kind === 'error' ? decoded.question : undefined;
    let reply = this.responder.respond(decoded, this.catalog, transport, msg, { peer });
    // Over UDP, rate limited (TCP cannot be spoofed; a reply signed for a verified TSIG is a secondary's;
    // a valid server cookie shows the client receives at its address, RFC 7873 §5.3).
    const cookie = (decoded.kind === 'query' ? decoded.query.edns : decoded.kind === 'error' ? decoded.edns : undefined)?.cookie;
    if (reply && !reply.transfer && transport === 'udp' && this.rrl && !reply.signed && !(cookie && this.cookies.valid(cookie.client, cookie.server, peer))) reply = this.rateLimited(reply, q, peer);
    this.metrics?.answered(transport, q?.qtype, reply, q?.qname);
    if (reply?.outcome === 'tsig-error' || reply?.why) this.logRefusal(decoded, reply, peer, transport);
    if (reply?.transfer) return this.stream(reply.bytes, reply.transfer, peer);
    if (this.log.isLevelEnabled('debug')) {
      this.log.debug({
        peer, transport,
        qname: q ? nameToText(q.qname) : undefined,
        qtype: q ? typeToText(q.qtype) : undefined,
        rcode: reply?.rcode, outcome: reply?.outcome ?? (decoded.kind !== 'query' ? decoded.reason : undefined),
        size: reply?.bytes.length,
      }, 'query');
    }
    return reply ? reply.bytes : null;
  };

  /** The reply as rate limiting lets it go: as it is, dropped (null), or slipped (the empty TC reply). */
  private rateLimited(reply: Reply, q: Question | undefined, peer: string): Reply | null {
    const klass = classify(reply.bytes);
    // The responder names what a reply counts under when it is not the question (a wildcard, a zone, a delegation).
    const name = reply.rrlName ? nameKey(reply.rrlName) : q && klass !== 'error' ? nameKey(q.qname) : '';
    const action = this.rrl!.decide(peer, { klass, name, qtype: q?.qtype ?? 0 }, performance.now(),
      (network, r) => this.log.info({ network, class: r.klass, name: r.name || undefined }, 'rate limiting responses'));
    this.metrics?.rateLimited(klass, action);
    if (action === 'ok') return reply;
    if (action === 'dropped') return null;
    return { ...reply, bytes: slipReply(reply.bytes, q ? 12 + wireLength(q.qname) + 4 : 12), outcome: 'rate-limited' };
  }

  /** A transfer's messages to the transport, and one log line when it ends. */
  private stream(first: Buffer, t: TransferStream, peer: string): Stream {
    const t0 = performance.now();
    const what = { zone: t.zone, peer, key: t.key, kind: t.kind, from: t.from, why: t.why };
    this.log.info(what, 'transfer started');
    return {
      first,
      rest: t.rest,
      done: (err) => {
        const entry = { ...what, messages: t.stats.messages, records: t.stats.records, ms: Math.round(performance.now() - t0) };
        if (err) this.log.warn({ ...entry, err }, 'transfer failed');
        else this.log.info(entry, 'transfer sent');
      },
    };
  }

  /** Refused transfers and failed TSIG checks: who asked and why (never a secret). */
  private logRefusal(decoded: ReturnType<typeof decodeQuery>, reply: Reply, peer: string, transport: Transport): void {
    const q = decoded.kind === 'query' ? decoded.query : undefined;
    const entry = { peer, transport, qname: q ? nameToText(q.qname) : undefined, qtype: q ? typeToText(q.qtype) : undefined, key: q?.tsig ? nameToText(q.tsig.keyName) : undefined, why: reply.why };
    // A zone that would answer differently on a secondary is the operator's to fix: warn.
    if (reply.why?.includes('generic')) this.log.warn(entry, 'transfer refused: the zone has more generic names than a transfer lists');
    else if (reply.outcome === 'tsig-error') this.log.info(entry, 'TSIG check failed');
    else this.log.info(entry, 'transfer refused');
  }

  async start(): Promise<void> {
    for (const addr of this.opts.listen) await this.listenOne(addr);
  }

  /** TCP first, then UDP on the same port (with port 0, retry until both are free). */
  private async listenOne(addr: ListenAddress): Promise<void> {
    const family = isIP(addr.host) === 6 ? 'udp6' : 'udp4';
    for (let attempt = 0; ; attempt++) {
      const tcp = new TcpListener(this.onMessage, this.failures, this.limits);
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        // ipv6Only: [::] beside 0.0.0.0 on the same port (IPV6_V6ONLY, as for UDP).
        tcp.listen({ port: addr.port, host: addr.host, ipv6Only: family === 'udp6' }, () => { tcp.off('error', reject); resolve(); });
      });
      const port = (tcp.address() as AddressInfo).port;
      const udp = new UdpListener(family, this.onMessage, this.log, this.failures);
      try {
        await new Promise<void>((resolve, reject) => {
          udp.once('error', reject);
          udp.bind(port, addr.host, () => { udp.off('error', reject); resolve(); });
        });
      } catch (err) {
        await new Promise<void>((r) => tcp.close(() => r()));
        if (addr.port === 0 && attempt < 20) continue;
        throw err;
      }
      // A burst larger than the default 208 KiB receive buffer is dropped by
      // the kernel and costs the client a timeout; ask for more (capped by
      // net.core.rmem_max).
      for (const set of [() => udp.setRecvBufferSize(UDP_BUFFER), () => udp.setSendBufferSize(UDP_BUFFER)]) {
        try { set(); } catch (err) { this.log.debug({ err }, 'could not enlarge the UDP socket buffer'); }
      }
      udp.on('error', (err) => this.log.error({ err }, 'udp socket error'));
      tcp.on('error', (err) => this.log.error({ err }, 'tcp server error'));
      tcp.on('connection', (s: Socket) => { this.connections.add(s); s.once('close', () => this.connections.delete(s)); });
      this.tcp.push(tcp);
      this.udp.push(udp);
      this.bound.tcp.push(tcp.address() as AddressInfo);
      this.bound.udp.push(udp.address());
      return;
    }
  }

  /** Connections, transfers running and queries held behind them, over every TCP listener. */
  tcpStats(): TcpStats {
    const all: TcpStats = { connections: 0, transfers: 0, held: { messages: 0, bytes: 0 }, heldMax: { messages: 0, bytes: 0 }, pauses: 0, closed: { idle: 0, io: 0, unread: 0, evicted: 0, refused: 0 } };
    for (const t of this.tcp) {
      const s = t.stats();
      all.connections += s.connections;
      all.transfers += s.transfers;
      all.held.messages += s.held.messages;
      all.held.bytes += s.held.bytes;
      all.heldMax.messages = Math.max(all.heldMax.messages, s.heldMax.messages);
      all.heldMax.bytes = Math.max(all.heldMax.bytes, s.heldMax.bytes);
      all.pauses += s.pauses;
      for (const k of Object.keys(all.closed) as (keyof TcpStats['closed'])[]) all.closed[k] += s.closed[k];
    }
    return all;
  }

  /**
   * Stops accepting, then ends every TCP connection: answers already written
   * are flushed before the FIN (answering is synchronous, so a query read is
   * a query answered), and an idle client is not waited for (RFC 7766 §6.2.3
   * lets a server close idle connections). A connection with a transfer
   * running is ended after the transfer's last message (queries held behind
   * it go unanswered). Connections still open after `graceMs` (a client that
   * never reads) are destroyed.
   */
  async stop(graceMs = 5000): Promise<void> {
    const closed = Promise.all([
      ...this.udp.map((u) => new Promise<void>((r) => u.close(() => r()))),
      ...this.tcp.map((t) => new Promise<void>((r) => t.close(() => r()))),
    ]);
    for (const t of this.tcp) t.endConnections();
    const timer = setTimeout(() => { for (const s of this.connections) s.destroy(); }, graceMs);
    await closed;
    clearTimeout(timer);
  }
}
