/**
 * Starts mailns in this process on an ephemeral port (UDP and TCP on the same
 * port, 127.0.0.1) from YAML zone files or zone text, for tests that talk to it
 * over real sockets.
 */
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resolver } from 'node:dns/promises';
import { pino } from 'pino';
import { loadZones, type LoadResult } from '../../src/server/load.js';
import { DnsServer, type ServerOptions } from '../../src/server/server.js';

export interface Running {
  port: number;
  host: string;
  loaded: LoadResult;
  server: DnsServer;
  stop(): Promise<void>;
}

export async function startServer(paths: string[], opts: Partial<ServerOptions> = {}): Promise<Running> {
  const loaded = loadZones(paths);
  const errors = loaded.problems.filter((p) => p.severity === 'error');
  if (errors.length) throw new Error('zones did not load:\n' + errors.map((p) => `${p.file}:${p.line}:${p.col} ${p.message}`).join('\n'));
  return serveLoaded(loaded, opts);
}

/** Serves what a load gave (the zones without errors), as `mailns serve` would. */
export async function serveLoaded(loaded: LoadResult, opts: Partial<ServerOptions> = {}): Promise<Running> {
  const server = new DnsServer(loaded.catalog, {
    listen: [{ host: '127.0.0.1', port: 0 }],
    chaos: { version: 'mailns test', identity: 'test-host' },
    ...opts,
  }, pino({ level: process.env.LOG_LEVEL ?? 'silent' }));
  await server.start();
  const port = server.bound.udp[0]!.port;
  return { port, host: '127.0.0.1', loaded, server, stop: () => server.stop() };
}

/** Node's stub resolver (c-ares), asking only our server: a client we did not write. */
export function resolverFor(port: number, host = '127.0.0.1', timeout = 2000): Resolver {
  const r = new Resolver({ timeout, tries: 1 });
  r.setServers([host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`]);
  return r;
}

/** Writes YAML texts (file name → content) to a temp dir and serves it. */
/** The smallest zone the server tests ask: example.test with one host, www (192.0.2.10), and two outside name servers. */
export const ONE_HOST_ZONE = 'zone: example.test.\nnameservers: [ns1.example.net., ns2.example.net.]\nhosts:\n  www: {ipv4: 192.0.2.10}\n';

export async function startWithYaml(files: Record<string, string>, opts: Partial<ServerOptions> = {}): Promise<Running & { dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'mailns-test-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const r = await startServer([dir], opts);
  return { ...r, dir, stop: async () => { await r.stop(); rmSync(dir, { recursive: true, force: true }); } };
}
