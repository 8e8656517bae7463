/**
 * `npm run fuzz`: FUZZ_COUNT (default 1,000,000) random, mutated and
 * template packets to `mailns serve zones` in a child process, over UDP
 * (64 clients, one query in flight each) and TCP (pipelined frames cut at
 * random points), every reply judged by dnspython (test/helpers/fuzzjudge.py),
 * never by our own decoder. Each packet also goes through the decoder and
 * responder in this process, timed, for the slowest input (re-timed alone).
 * Ends with a valid query over both transports and a check that the server
 * is up and logged no error. Deterministic packets: FUZZ_SEED=<n>.
 *
 *   FUZZ_COUNT=1000000 FUZZ_SEED=1 npm run fuzz
 */
import { loadZones } from '../src/server/load.js';
import { decodeQuery } from '../src/wire/decode.js';
import { Responder } from '../src/query/respond.js';
import { nameToText } from '../src/util/name.js';
import { FuzzJudge, verdictReport } from '../test/helpers/fuzz-judge.js';
import { C, Generator, Rng, T, corpus, encodeQuery, expectsReply, frame, framesOf, fuzzSeed, hex, randomChunks, tcpSession, type Sample } from '../test/helpers/fuzz.js';
import { spawnServe } from '../test/helpers/serve-process.js';
import { UdpClient } from '../test/helpers/udp.js';

const COUNT = Number(process.env.FUZZ_COUNT ?? 1_000_000);
const SEED = fuzzSeed(0x66757a7a);
const LANES = 64;
const TCP_SHARE = 0.15;
const UDP_TIMEOUT_MS = 1000;

async function main(): Promise<void> {
  const loaded = loadZones(['zones']);
  const zones = loaded.zones.map((z) => nameToText(z.zone.origin));
  const server = spawnServe(['zones', '--listen', '127.0.0.1:0', '--rrl-rate', '0', '--log-level', 'info']);
  // However this run ends, the server it started ends with it.
  process.once('exit', () => { if (server.child.exitCode === null) server.child.kill('SIGKILL'); });
  await server.waitFor((l) => l.msg === 'started');
  const port = server.port();
  const judge = new FuzzJudge(zones);
  const responder = new Responder({ chaos: { version: 'mailns fuzz', identity: 'fuzz' } });
  const rng = new Rng(SEED);
  const gen = new Generator(rng);
  const lanes = Array.from({ length: LANES }, () => new UdpClient(port));
  await Promise.all(lanes.map((l) => l.ready()));
  console.error(`fuzz: seed ${SEED} (FUZZ_SEED=${SEED} repeats it), ${COUNT} inputs, server on port ${port}`);

  const fixed = corpus();
  let made = 0;
  const next = (): Sample => (made < fixed.length ? fixed[made++]! : (made++, gen.next()));
  let slowest: { ms: number; pkt: Buffer } = { ms: 0, pkt: Buffer.alloc(0) };
  let longestRoundtrip = 0;
  const tcpProblems: string[] = [];
  let udpSent = 0, tcpSent = 0, sessions = 0;
  /** The decoder and responder in this process, timed, on every input. */
  const inProcess = (pkt: Buffer) => {
    const t = performance.now();
    const d = decodeQuery(pkt);
    responder.respond(d, loaded.catalog, 'udp', pkt, { peer: '127.0.0.1' });
    responder.respond(d, loaded.catalog, 'tcp', pkt, { peer: '127.0.0.1' });
    const ms = performance.now() - t;
    if (ms > slowest.ms) slowest = { ms, pkt };
  };
  const t0 = performance.now();
  let reported = 0;
  // UDP in blocks shared by the lanes; between blocks, a few TCP sessions.
  while (udpSent + tcpSent < COUNT) {
    const left = COUNT - udpSent - tcpSent;
    const block = Array.from({ length: Math.min(2000, left) }, next);
    const viaTcp: Sample[] = [], viaUdp: Sample[] = [];
    for (const s of block) (rng.bool(TCP_SHARE) ? viaTcp : viaUdp).push(s);
    let i = 0;
    await Promise.all(lanes.map(async (lane) => {
      while (i < viaUdp.length) {
        const s = viaUdp[i++]!;
        inProcess(s.buf);
        const t = performance.now();
        const reply = await lane.roundtrip(s.buf, expectsReply(s.buf), UDP_TIMEOUT_MS);
        longestRoundtrip = Math.max(longestRoundtrip, performance.now() - t);
        udpSent++;
        await judge.add('udp', s.buf, reply);
      }
    }));
    // The TCP share in connections of 1 to 12 queries, eight connections at a time.
    const groups: Sample[][] = [];
    for (let k = 0; k < viaTcp.length;) { const n = 1 + rng.int(12); groups.push(viaTcp.slice(k, k + n)); k += n; }
    for (let k = 0; k < groups.length; k += 8) await Promise.all(groups.slice(k, k + 8).map(tcpRound));
    if (udpSent + tcpSent - reported >= 100_000) {
      reported = udpSent + tcpSent;
      console.error(`fuzz: ${reported} inputs, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
    if (server.child.exitCode !== null || server.child.signalCode !== null) break;
  }

  /** One TCP connection with these samples framed, pipelined and cut at random points. */
  async function tcpRound(samples: Sample[]): Promise<void> {
    for (const s of samples) inProcess(s.buf);
    const stream = Buffer.concat(samples.map((s) => frame(s.buf)));
    const res = await tcpSession(port, randomChunks(rng, stream, 8), 'fin', 5000);
    sessions++;
    tcpSent += samples.length;
    const due = framesOf(stream).filter(expectsReply);
    if (res.ended === 'timeout' || res.ended === 'error' || res.frames.length !== due.length) {
      tcpProblems.push(`tcp: ${res.frames.length} replies for ${due.length} queries (ended: ${res.ended}${res.error ? ` ${res.error}` : ''}); stream ${hex(stream).slice(0, 200)}`);
    }
    for (let k = 0; k < due.length; k++) await judge.add('tcp', due[k]!, res.frames[k] ?? null);
    for (const s of samples) if (!expectsReply(s.buf)) await judge.add('tcp', s.buf, null);
  }

  const seconds = (performance.now() - t0) / 1000;
  const unexpected = lanes.reduce((n, l) => n + l.unexpected.length, 0);
  await Promise.all(lanes.map((l) => l.close()));
  // Still answering, over both transports, with the zone's data.
  const health: string[] = [];
  for (const transport of ['udp', 'tcp'] as const) {
    const q = encodeQuery({ id: 4242, labels: ['example', 'com'], qtype: T.A, qclass: C.IN }).buf;
    let reply: Buffer | null;
    if (transport === 'udp') { const l = new UdpClient(port); await l.ready(); reply = await l.roundtrip(q, true, UDP_TIMEOUT_MS); await l.close(); } else reply = (await tcpSession(port, [frame(q)], 'fin', 3000)).frames[0] ?? null;
    if (!reply) health.push(`${transport}: no answer to example.com A`);
    else await judge.add(transport, q, reply);
  }
  const verdict = await judge.finish();
  // Re-timed alone: a GC pause or a compile on the way is not the packet's.
  let retimed = Infinity;
  for (let k = 0; k < 5; k++) {
    const t = performance.now();
    const d = decodeQuery(slowest.pkt);
    responder.respond(d, loaded.catalog, 'udp', slowest.pkt, {});
    responder.respond(d, loaded.catalog, 'tcp', slowest.pkt, {});
    retimed = Math.min(retimed, performance.now() - t);
  }
  const alive = server.child.exitCode === null && server.child.signalCode === null;
  const errors = server.lines.filter((l) => l.level >= 50);
  server.child.kill('SIGTERM');
  const exit = await server.exited;

  console.log(`inputs: ${udpSent + tcpSent} (${udpSent} UDP, ${tcpSent} TCP in ${sessions} connections) in ${seconds.toFixed(0)} s; judged by dnspython: ${verdict.inputs}`);
  console.log(`replies by rcode: ${JSON.stringify(verdict.counts)}`);
  console.log(`crashes: ${alive ? 0 : 1} (server ${alive ? 'up to the end' : `died: ${server.child.exitCode ?? server.child.signalCode}`}); error log lines: ${errors.length}; stderr: ${server.stderr().trim() ? JSON.stringify(server.stderr().slice(0, 500)) : 'empty'}; exit on SIGTERM: ${exit}`);
  console.log(`slowest input in process: ${slowest.ms.toFixed(2)} ms, ${retimed.toFixed(3)} ms re-timed alone (${hex(slowest.pkt).slice(0, 120)}); longest UDP round trip ${longestRoundtrip.toFixed(1)} ms`);
  console.log(`unexpected UDP replies: ${unexpected}; TCP sessions short of replies: ${tcpProblems.length}; judge failures: ${Object.values(verdict.failures).reduce((n, f) => n + f.count, 0)} in ${Object.keys(verdict.failures).length} kinds`);
  for (const p of tcpProblems.slice(0, 5)) console.log(p);
  if (Object.keys(verdict.failures).length) console.log(verdictReport(verdict));
  for (const e of errors.slice(0, 5)) console.log(`server error: ${JSON.stringify(e)}`);
  const bad = !alive || errors.length > 0 || health.length > 0 || unexpected > 0 || tcpProblems.length > 0 || Object.keys(verdict.failures).length > 0 || exit !== 0;
  for (const h of health) console.log(`health: ${h}`);
  process.exit(bad ? 1 : 0);
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
