/**
 * `mailns probe`: the health check. Asks a running server, over UDP, for the
 * SOA of one zone it should serve, and says in one line whether it got an
 * authoritative NOERROR answer with that SOA (exit 0) or why not (exit 1).
 * It reads one zone file's `zone:` at most, never loads or lints the set,
 * so a container can run it every 30 s; the query and the answer go through
 * our own codec, so the image needs no dig.
 */
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { randomInt } from 'node:crypto';
import { defaultOrigin, forwardZone } from '../config/model.js';
import { readYaml } from '../config/source.js';
import { zoneFiles } from '../server/zone-files.js';
import { type Name, nameEquals, nameToText, parseZoneName } from '../util/name.js';
import { CLASS, OPCODE, RCODE, TYPE } from '../wire/constants.js';
import { decodeResponse, encodeQuery, soaSerial } from '../wire/stub.js';
import { DEFAULT_LISTEN, parseListen } from './serve.js';
import { UsageError } from './usage-error.js';

const DEFAULT_TIMEOUT_S = 2;

/** Not healthy: one line on stderr, exit 1. */
class Unhealthy extends Error {}

const rcodeText = (r: number) => Object.entries(RCODE).find(([, v]) => v === r)?.[0] ?? `RCODE${r}`;

export async function probe(dirs: string[], values: Record<string, unknown>): Promise<number> {
  try {
    const server = parseServer((values.server as string | undefined) ?? DEFAULT_LISTEN);
    const timeout = values.timeout === undefined ? DEFAULT_TIMEOUT_S : Number(values.timeout);
    if (!(timeout > 0) || !Number.isFinite(timeout)) throw new UsageError(`--timeout ${String(values.timeout)}: expected a positive number of seconds`);
    const zone = values.zone !== undefined ? zoneArg(values.zone as string) : firstZone(dirs);
    const t0 = performance.now();
    const serial = await askSoa(server, zone, timeout);
    console.log(`ok: ${server.text} answered the SOA of ${nameToText(zone)} (serial ${serial}) in ${Math.round(performance.now() - t0)} ms`);
    return 0;
  } catch (e) {
    if (!(e instanceof Unhealthy)) throw e;
    console.error(`mailns probe: ${e.message}`);
    return 1;
  }
}

function parseServer(text: string): { host: string; port: number; text: string } {
  const a = parseListen(text, '--server');
  if (a.port === 0) throw new UsageError(`--server ${text}: port 0 is not a port to ask`);
  return { ...a, text: a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}` };
}

function zoneArg(text: string): Name {
  try { return parseZoneName(text); } catch (e) { throw new UsageError(`--zone ${text}: ${(e as Error).message}`); }
}

/** The zone of the first zone file (in the loader's order) that defines a forward zone. */
function firstZone(dirs: string[]): Name {
  for (const dir of dirs) {
    let files: string[];
    try { files = zoneFiles(dir); } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new Unhealthy(`${dir}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message}; no zone to ask for (--zone NAME names one)`);
    }
    for (const file of files) {
      const data = readYaml(file).source?.data;
      if (data === null || typeof data !== 'object' || Array.isArray(data)) continue;
      const text = forwardZone(data as Record<string, unknown>, defaultOrigin(file));
      if (text === undefined) continue;
      try { return parseZoneName(text); } catch { /* not a zone the server serves either: try the next file */ }
    }
  }
  throw new Unhealthy(`no zone file in ${dirs.join(' ')} names a forward zone; --zone NAME names the zone to ask for`);
}

/** One UDP query for the SOA of `zone`; its serial, or Unhealthy with the reason. */
function askSoa(server: { host: string; port: number; text: string }, zone: Name, timeoutS: number): Promise<number> {
  const id = randomInt(0, 0x10000);
  const query = encodeQuery(id, zone, TYPE.SOA, CLASS.IN);
  const what = `${nameToText(zone)} SOA`;
  return new Promise((resolve, reject) => {
    // connect(): only datagrams from the server are delivered, and an ICMP port unreachable surfaces as ECONNREFUSED.
    const sock = createSocket(isIP(server.host) === 6 ? 'udp6' : 'udp4');
    let finished = false;
    const done = (err: string | undefined, serial?: number) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.close();
      if (err === undefined) resolve(serial!); else reject(new Unhealthy(err));
    };
    const timer = setTimeout(() => done(`no answer from ${server.text} to ${what} within ${timeoutS} s`), timeoutS * 1000);
    sock.on('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED'
      ? `${server.text}: nothing listens there (UDP port unreachable)`
      : `${server.text}: ${e.message}`));
    sock.on('message', (msg) => {
      const d = decodeResponse(msg);
      // Not the answer to our question (a stray or forged datagram): keep waiting until the timeout.
      if (d.kind !== 'response') return;
      const r = d.response;
      if (r.id !== id || r.opcode !== OPCODE.QUERY || !r.question || r.question.qtype !== TYPE.SOA || r.question.qclass !== CLASS.IN || !nameEquals(r.question.qname, zone)) return;
      if (r.rcode !== RCODE.NOERROR) return done(`${server.text} answered ${rcodeText(r.rcode)} to ${what}${r.rcode === RCODE.REFUSED ? ' (it does not serve the zone)' : ''}`);
      // RFC 1035 §4.1.1: AA says the server is an authority for the name; a server without the zone would not set it.
      if (!r.aa) return done(`${server.text} answered ${what} without AA: it is not authoritative for the zone`);
      const soa = r.answer.find((rr) => rr.type === TYPE.SOA && nameEquals(rr.owner, zone));
      if (!soa) return done(`${server.text} answered NOERROR to ${what} with no SOA in the answer${r.tc ? ' (truncated)' : ''}: ${nameToText(zone)} is not a zone apex there`);
      const serial = soaSerial(msg, soa);
      if (serial === undefined) return done(`${server.text} answered ${what} with malformed SOA RDATA`);
      done(undefined, serial);
    });
    sock.connect(server.port, server.host, () => sock.send(query));
  });
}
