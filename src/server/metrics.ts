/**
 * Prometheus metrics (`serve --metrics HOST:PORT`), with prom-client on a
 * registry of our own (never the global one): what was asked and answered,
 * the reloads, and each served zone's serial, size and time of last load.
 * Nothing is counted, and nothing listens, unless asked.
 *
 * Every label takes values from a closed set, so a client cannot grow the
 * registry: a query type outside our type table is "other", an rcode is one
 * of the sixteen header values (RFC 1035 §4.1.1, RFC 6895 §2.3).
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { RCODE, TYPE, typeToText } from '../wire/constants.js';
import { nameToText } from '../util/name.js';
import type { Catalog, Zone } from '../zone/zone.js';
import type { Transport } from './transport.js';
import type { NotifyOutcome } from './notify.js';
import type { Name } from '../util/name.js';

const KNOWN_TYPES = new Set<number>(Object.values(TYPE));
const RCODE_NAMES = new Map<number, string>(Object.entries(RCODE).map(([k, v]) => [v, k]));
const rcodeName = (r: number) => RCODE_NAMES.get(r) ?? String(r & 0xf);

/** The responder's outcome of a transfer request → the `outcome` label; anything else is `refused`. */
const TRANSFER_OUTCOMES: Partial<Record<string, string>> = {
  transfer: 'started', ixfr: 'incremental', 'ixfr-full': 'full', 'ixfr-current': 'up-to-date', 'ixfr-use-tcp': 'use-tcp', 'tsig-error': 'tsig-error',
};

export type ReloadOutcome = 'ok' | 'partial' | 'failed';

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly queries: Counter<'transport' | 'qtype' | 'rcode'>;
  private readonly sizes: Histogram<'transport'>;
  private readonly truncated: Counter<'transport'>;
  private readonly unanswered: Counter<'transport'>;
  private readonly rrl: Counter<'class' | 'action'>;
  private readonly reloads: Counter<'outcome'>;
  private readonly transfers: Counter<'zone' | 'kind' | 'outcome'>;
  private readonly notifies: Counter<'outcome'>;
  /** The labelled children, by a number key: no label string is built per query. */
  private readonly children = new Map<number, { inc(): void }>();
  private catalog: Catalog | undefined;
  /** When each zone object was first served: a zone kept from the previous load keeps its time. */
  private readonly loadedAt = new WeakMap<Zone, number>();

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'mailns_' });
    this.queries = new Counter({ name: 'mailns_queries_total', help: 'DNS messages answered, by transport, query type and response code', labelNames: ['transport', 'qtype', 'rcode'], registers });
    this.sizes = new Histogram({ name: 'mailns_response_size_bytes', help: 'Size of the responses sent', labelNames: ['transport'], buckets: [64, 128, 256, 512, 1232, 4096, 16384, 65535], registers });
    this.truncated = new Counter({ name: 'mailns_truncated_total', help: 'UDP responses sent with TC set (RFC 2181 §9)', labelNames: ['transport'], registers });
    this.unanswered = new Counter({ name: 'mailns_unanswered_total', help: 'Messages that got no response (not a query, or dropped)', labelNames: ['transport'], registers });
    this.rrl = new Counter({ name: 'mailns_rrl_responses_total', help: 'UDP responses through response rate limiting, by response class (answer, nodata, nxdomain, referral, error) and action: ok, dropped, slipped (sent as an empty TC reply)', labelNames: ['class', 'action'], registers });
    this.reloads = new Counter({ name: 'mailns_reloads_total', help: 'Reloads, by outcome: ok, partial (some files kept their last good copy), failed', labelNames: ['outcome'], registers });
    for (const o of ['ok', 'partial', 'failed'] as const) this.reloads.labels(o).inc(0);
    this.transfers = new Counter({ name: 'mailns_transfers_total', help: 'Zone transfer requests (AXFR over TCP, IXFR over TCP and UDP), by zone, kind and outcome: started (AXFR), incremental, full (IXFR answered with the whole zone), up-to-date, use-tcp (IXFR over UDP too large for a datagram), refused (not allowed, or not transferable), tsig-error', labelNames: ['zone', 'kind', 'outcome'], registers });
    this.notifies = new Counter({ name: 'mailns_notify_total', help: 'NOTIFY messages sent to secondaries, by how they ended: acknowledged, error (an error rcode), given-up (no reply, or none whose TSIG verified)', labelNames: ['outcome'], registers });
    for (const o of ['acknowledged', 'error', 'given-up'] as const) this.notifies.labels(o).inc(0);
    // prom-client calls collect() with the metric as `this`.
    const self = this;
    const zoneGauge = (name: string, help: string, value: (z: Zone) => number) => new Gauge({
      name, help, labelNames: ['zone'], registers,
      // Read at scrape time from the catalog being served: a retired zone disappears.
      collect() {
        this.reset();
        for (const z of self.catalog?.zones ?? []) this.labels(nameToText(z.origin)).set(value(z));
      },
    });
    // RFC 1035 §3.3.13: SERIAL is the first of the five 32-bit fields that end the SOA RDATA.
    zoneGauge('mailns_zone_serial', 'The SOA serial each zone is served with', (z) => { const w = z.soa.rdatas[0]!.wire; return w.readUInt32BE(w.length - 20); });
    zoneGauge('mailns_zone_records', 'Records stored in each zone (names made on query not counted)', (z) => z.recordCount);
    zoneGauge('mailns_zone_last_load_timestamp_seconds', 'When the copy of each zone being served was loaded', (z) => self.loadedAt.get(z) ?? 0);
    new Gauge({ name: 'mailns_zones', help: 'Zones being served', registers, collect() { this.set(self.catalog?.zones.length ?? 0); } });
  }

  /**
   * A transfer request, counted once when answered: labelled with the zone
   * only when we serve it (a client cannot add label values with made-up names).
   */
  private transfer(qtype: number, reply: { rcode: number; outcome?: string }, qname: Name | undefined): void {
    const zone = qname && this.catalog?.zones.find((z) => z.origin.length === qname.length && z.origin.every((l, i) => l === qname[i]!.toLowerCase()));
    const outcome = TRANSFER_OUTCOMES[reply.outcome ?? ''] ?? 'refused';
    this.transfers.labels(zone ? nameToText(zone.origin) : 'other', typeToText(qtype), outcome).inc();
  }

  /** The catalog now served (at start and after each reload). */
  served(c: Catalog): void {
    const now = Date.now() / 1000;
    for (const z of c.zones) if (!this.loadedAt.has(z)) this.loadedAt.set(z, now);
    this.catalog = c;
  }

  notified(outcome: NotifyOutcome): void {
    this.notifies.labels(outcome).inc();
  }

  reloaded(outcome: ReloadOutcome): void {
    this.reloads.labels(outcome).inc();
  }

  /** One UDP response through rate limiting (src/server/rrl.ts). */
  rateLimited(klass: string, action: string): void {
    this.rrl.labels(klass, action).inc();
  }

  /** One message handled: its reply (null: nothing sent). */
  answered(transport: Transport, qtype: number | undefined, reply: { rcode: number; bytes: Buffer; outcome?: string } | null, qname?: Name): void {
    if (!reply) { this.unanswered.labels(transport).inc(); return; }
    if ((qtype === TYPE.AXFR && transport === 'tcp') || qtype === TYPE.IXFR) this.transfer(qtype, reply, qname);
    const t = qtype === undefined ? -1 : KNOWN_TYPES.has(qtype) ? qtype : 65536;
    const key = ((t + 1) * 16 + (reply.rcode & 0xf)) * 2 + (transport === 'udp' ? 0 : 1);
    let child = this.children.get(key);
    if (!child) {
      child = this.queries.labels(transport, t < 0 ? 'none' : t === 65536 ? 'other' : typeToText(t), rcodeName(reply.rcode & 0xf));
      this.children.set(key, child);
    }
    child.inc();
    this.sizes.labels(transport).observe(reply.bytes.length);
    if (reply.outcome === 'truncated') this.truncated.labels(transport).inc();
  }
}

/**
 * The HTTP side: GET /metrics (Prometheus text format) and GET /health (200
 * while `serving()` says so, else 503). Anything else is 404.
 */
export async function listenMetrics(host: string, port: number, metrics: ServerMetrics, serving: () => boolean): Promise<Server> {
  const http = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405, { allow: 'GET, HEAD' }).end(); return; }
    if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => { res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(req.method === 'HEAD' ? undefined : text); },
        () => { res.writeHead(500).end(); },
      );
      return;
    }
    if (path === '/health') {
      const ok = serving();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'serving\n' : 'not serving\n');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('GET /metrics or /health\n');
  });
  // A slow or idle scraper must not hold sockets: the whole request within 10 s.
  http.requestTimeout = 10_000;
  http.headersTimeout = 5_000;
  http.maxConnections = 64;
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen({ host, port, ipv6Only: host.includes(':') }, () => { http.off('error', reject); resolve(); });
  });
  return http;
}
