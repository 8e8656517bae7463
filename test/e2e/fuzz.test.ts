/**
 * Fuzzing the query path: 20,000 random and mutated packets through the
 * decoder and the responder in-process (both transports, through the
 * response cache), then 10,000 over real UDP and TCP sockets to a server
 * running in a child process, with a valid query every 500 packets and a
 * check at the end that the process is still up. Every reply is judged by
 * dnspython (test/helpers/fuzzjudge.py) from its own reading of the query,
 * and checked again by the parser in test/helpers/fuzz.ts. Deterministic:
 * the seed is printed, FUZZ_SEED=<n> reproduces a run. `npm run fuzz` is
 * the long run (a million packets).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeQuery, type Decoded } from '../../src/wire/decode.js';
import { nameToText } from '../../src/util/name.js';
import { Responder } from '../../src/query/respond.js';
import { startServer, type Running } from '../helpers/server.js';
import { FuzzJudge, verdictReport } from '../helpers/fuzz-judge.js';
import { UdpClient } from '../helpers/udp.js';
import { requireDnspython } from '../helpers/dnspy.js';
import {
  TEMPLATES, C, Generator, R, Rng, T, checkExpect, checkReply, corpus, udpLimit, encodeQuery, expectsReply, frame, framesOf, freePort, fuzzSeed, hex,
  parseMessage, randomChunks, tcpQuery, tcpSession, udpQuery, type QueryInfo, type Sample,
} from '../helpers/fuzz.js';

const SEED = fuzzSeed(0x6d61696c);
const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const UNIT_COUNT = 20_000;
const SOCKET_COUNT = 10_000;
const BLOCK = 500;
const SOCKET_DEADLINE_MS = 40_000;
/** The zones in zones/: IN answers (not REFUSED) are only possible below these. */
const CHECK = { zones: [['example', 'com']] };
const havePy = requireDnspython();
/** The zones in zones/, as the judge takes them. */
const zoneOrigins = ['example.com.', 'example.org.', '2.0.192.in-addr.arpa.', '64/26.100.51.198.in-addr.arpa.', '4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa.'];

console.log(`fuzz seed: ${SEED} (0x${SEED.toString(16)}); rerun with FUZZ_SEED=${SEED}`);

/** What the server's decoder made of a packet, in the checker's terms; undefined for a drop. */
function infoOf(d: Decoded): QueryInfo | undefined {
  if (d.kind === 'drop') return undefined;
  if (d.kind === 'error') return { id: d.id, flags: d.flags, edns: d.edns, question: d.question, errorRcode: d.rcode };
  const q = d.query;
  return { id: q.id, flags: q.flags, edns: q.edns, question: { qname: q.qname, qtype: q.qtype, qclass: q.qclass } };
}

/** Failures grouped by kind (the first example kept in full), so that one bug does not flood the report. */
class Failures {
  private readonly byKind = new Map<string, { count: number; example: string }>();
  add(kind: string, detail: string, pkt: Buffer): void {
    const key = kind.replace(/\d{3,}/g, 'N').slice(0, 120);
    const e = this.byKind.get(key);
    if (e) e.count++;
    else this.byKind.set(key, { count: 1, example: `${kind}\n    ${detail}\n    packet (${pkt.length} octets): ${hex(pkt)}` });
  }
  get size(): number { return this.byKind.size; }
  report(): string {
    return [...this.byKind.values()].map((e) => `[x${e.count}] ${e.example}`).join('\n');
  }
}

describe(`fuzz: decoder and responder in-process (seed ${SEED})`, () => {
  let srv: Running;
  beforeAll(async () => { srv = await startServer(['zones']); });
  afterAll(async () => srv?.stop());

  it(`${UNIT_COUNT} random and mutated packets: no exception, every reply well-formed, within size and as dnspython reads the query`, async () => {
    expect(havePy, 'dnspython under /usr/bin/python3 (python3-dnspython): the judge').toBe(true);
    const rng = new Rng(SEED);
    const gen = new Generator(rng);
    const responder = new Responder({ chaos: { version: 'mailns test', identity: 'test-host' } });
    const catalog = srv.loaded.catalog;
    const fails = new Failures();
    const kinds: Record<string, number> = {};
    const rcodes: Record<string, number> = {};
    let slowest = 0;
    let slowestPkt: Buffer = Buffer.alloc(0);
    let templatesChecked = 0;
    let truncated = 0;
    const t0 = performance.now();

    const judge = new FuzzJudge(srv.loaded.zones.map((z) => nameToText(z.zone.origin)));
    const exchanges: ['udp' | 'tcp', Buffer, Buffer | null][] = [];
    const fixed = corpus();
    for (let i = 0; i < fixed.length + UNIT_COUNT; i++) {
      const s = i < fixed.length ? fixed[i]! : gen.next();
      const started = performance.now();
      let decoded: Decoded;
      try {
        decoded = decodeQuery(s.buf);
      } catch (e) {
        fails.add(`decodeQuery threw: ${(e as Error).message}`, s.how, s.buf);
        continue;
      }
      kinds[decoded.kind] = (kinds[decoded.kind] ?? 0) + 1;
      const due = expectsReply(s.buf);
      if ((decoded.kind === 'drop') === due) fails.add(`decoder ${decoded.kind} but expectsReply=${due}`, s.how, s.buf);
      const info = infoOf(decoded);
      const parsed: Partial<Record<'udp' | 'tcp', ReturnType<typeof parseMessage>>> = {};
      for (const transport of ['udp', 'tcp'] as const) {
        let reply;
        try {
          // The raw packet too: identical questions are then answered from the response cache, as over a socket.
          reply = responder.respond(decoded, catalog, transport, s.buf);
        } catch (e) {
          fails.add(`respond(${transport}) threw: ${(e as Error).message}`, s.how, s.buf);
          continue;
        }
        exchanges.push([transport, s.buf, reply ? reply.bytes : null]);
        if (!reply) {
          if (due) fails.add(`no ${transport} reply to a packet that needs one`, s.how, s.buf);
          continue;
        }
        if (!info) { fails.add(`${transport} reply to a dropped packet`, s.how, s.buf); continue; }
        const { problems, parsed: p } = checkReply(reply.bytes, info, transport, CHECK);
        if (p && p.rcode !== reply.rcode) problems.push(`Reply.rcode ${reply.rcode} but the wire says ${p.rcode}`);
        if (p && s.template) { problems.push(...checkExpect(p, s.template, info, transport)); templatesChecked++; }
        for (const pr of problems) fails.add(`${transport}: ${pr}`, `${s.how}; reply ${hex(reply.bytes)}`, s.buf);
        if (p) { parsed[transport] = p; rcodes[p.rcode] = (rcodes[p.rcode] ?? 0) + 1; if (p.tc) truncated++; }
      }
      // Without truncation, UDP and TCP carry the same answer and authority (RFC 2181 §9: only additional data may be
      // left out). ANY (RFC 8482) and zone transfers (RFC 5936 §4.2) differ by design.
      const u = parsed.udp, t = parsed.tcp;
      if (u && t && !u.tc && info?.question && ![T.ANY, T.AXFR, T.IXFR].includes(info.question.qtype as 255)) {
        const ub = responder.respond(decoded, catalog, 'udp')!.bytes, tb = responder.respond(decoded, catalog, 'tcp')!.bytes;
        const same = u.rcode === t.rcode && u.aa === t.aa && u.counts[1] === t.counts[1] && u.counts[2] === t.counts[2]
          && ub.subarray(12, u.ends[2]).equals(tb.subarray(12, t.ends[2]));
        if (!same) fails.add('UDP (not truncated) and TCP answers differ', `${s.how}; udp ${hex(ub)} tcp ${hex(tb)}`, s.buf);
      }
      // TC only when the full answer would not have fitted.
      if (u && t && u.tc && info && !t.tc) {
        const full = responder.respond(decoded, catalog, 'tcp')!.bytes.length;
        if (full <= udpLimit(info)) fails.add(`TC over UDP though the full reply (${full} octets) fits in ${udpLimit(info)}`, s.how, s.buf);
      }
      const took = performance.now() - started;
      if (took > slowest) { slowest = took; slowestPkt = s.buf; }
    }
    const ms = performance.now() - t0;
    // A slow packet is re-timed alone: a GC pause or JIT warm-up is not a hang.
    let retimed = Infinity;
    for (let k = 0; k < 5; k++) {
      const t = performance.now();
      responder.respond(decodeQuery(slowestPkt), catalog, 'udp');
      responder.respond(decodeQuery(slowestPkt), catalog, 'tcp');
      retimed = Math.min(retimed, performance.now() - t);
    }
    console.log(`in-process: ${fixed.length} fixed + ${UNIT_COUNT} random packets in ${ms.toFixed(0)} ms; decoded ${JSON.stringify(kinds)}; rcodes ${JSON.stringify(rcodes)}; `
      + `${truncated} truncated; ${templatesChecked} template answers checked; slowest ${slowest.toFixed(2)} ms, ${retimed.toFixed(2)} ms re-timed (${hex(slowestPkt).slice(0, 80)}...)`);
    if (fails.size) console.log(`FAILURES (seed ${SEED}):\n${fails.report()}`);
    for (const [transport, q, r] of exchanges) await judge.add(transport, q, r);
    const verdict = await judge.finish();
    console.log(`in-process, judged by dnspython: ${verdict.inputs} exchanges, ${JSON.stringify(verdict.counts)}`);
    expect(retimed, `packet ${hex(slowestPkt)} takes over 50 ms: possible hang`).toBeLessThan(50);
    expect(fails.report()).toBe('');
    expect(verdictReport(verdict)).toBe('');
  }, 60_000);
});

// ---------------------------------------------------------------------------- over real sockets

function newestMtime(dir: string): number {
  let m = 0;
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    const st = statSync(p);
    m = Math.max(m, st.isDirectory() ? newestMtime(p) : f.endsWith('.ts') ? st.mtimeMs : 0);
  }
  return m;
}

/** dist/ must exist (npm run build); rebuild if src/ is newer, keep the old build if that fails. */
function ensureBuilt(): string {
  const main = join(ROOT, 'dist/src/cli/main.js');
  const stale = !existsSync(main) || statSync(main).mtimeMs < newestMtime(join(ROOT, 'src'));
  if (stale) {
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', '.'], { cwd: ROOT, stdio: 'pipe' });
    } catch (e) {
      if (!existsSync(main)) throw e;
      console.warn(`fuzz: src/ is newer than dist/ and the rebuild failed; testing the existing build\n${String((e as { stdout?: Buffer }).stdout ?? e)}`);
    }
  }
  return main;
}

interface Child { proc: ChildProcess; port: number; errors: string[]; output: string[] }

async function spawnServer(main: string): Promise<Child> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    // Rate limiting off: every packet's reply is judged (test/server/rrl.test.ts tests the limiting).
    const proc = spawn(process.execPath, [main, 'serve', 'zones', '--listen', `127.0.0.1:${port}`, '--log-level', 'info', '--rrl-rate', '0'], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child: Child = { proc, port, errors: [], output: [] };
    let buf = '';
    const started = new Promise<boolean>((res) => {
      let settled = false;
      const done = (ok: boolean) => { if (!settled) { settled = true; clearTimeout(timer); clearInterval(poll); res(ok); } };
      const timer = setTimeout(() => done(false), 10_000);
      // Ready when it says so in its log, or when it answers (should the log wording change).
      const poll = setInterval(() => {
        udpQuery(port, encodeQuery({ id: 7, labels: ['example', 'com'], qtype: T.A }).buf, 200).then(() => done(true), () => {});
      }, 250);
      proc.stdout!.on('data', (d: Buffer) => {
        buf += d.toString('utf8');
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (child.output.length < 200) child.output.push(line);
          try {
            const j = JSON.parse(line) as { level?: number; msg?: string };
            if ((j.level ?? 0) >= 50) child.errors.push(line);
            if (j.msg === 'started') done(true);
          } catch { /* not a log line */ }
        }
      });
      // Crashes and uncaught exceptions end up here (but not, say, a deprecation warning).
      proc.stderr!.on('data', (d: Buffer) => { const t = d.toString('utf8'); if (/error|exception|abort|fatal/i.test(t)) child.errors.push(`stderr: ${t}`); });
      proc.once('exit', () => done(false));
    });
    if (await started) return child;
    proc.kill('SIGKILL');
    console.warn(`fuzz: server did not start on port ${port}: ${child.errors.join(' ')}`);
  }
  throw new Error('could not start the server child process');
}

function alive(c: Child): boolean {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return false;
  try { process.kill(c.proc.pid!, 0); return true; } catch { return false; }
}

const BIG_ANSWERS = TEMPLATES.filter((t) => (t.qtype === T.TXT && /^(big|rsa2026)/.test(t.name)) || (t.qtype === T.ANY && !t.qclass));

type SessionKind = 'pipelined' | 'split' | 'bad-prefix' | 'zero-length' | 'close-mid-frame' | 'reset-mid-frame' | 'reset' | 'big-frame' | 'slow-reader';

interface Session { kind: SessionKind; samples: Sample[]; chunks: Buffer[]; finish: 'fin' | 'destroy'; stream: Buffer; readDelayMs?: number }

/** Builds one TCP session from up to `budget` packets. */
function makeSession(rng: Rng, gen: Generator, budget: number): Session {
  const kind = rng.pick<SessionKind>(['pipelined', 'pipelined', 'split', 'split', 'bad-prefix', 'zero-length', 'close-mid-frame', 'reset-mid-frame', 'reset',
    rng.bool(0.2) ? 'big-frame' : rng.bool(0.1) && budget >= 100 ? 'slow-reader' : 'split']);
  if (kind === 'slow-reader') {
    // 100 pipelined queries with large answers (the 1.1 KB TXT, ANY over TCP), replies read only after 300 ms.
    const samples = Array.from({ length: 100 }, () => {
      const v = gen.valid(rng.pick(BIG_ANSWERS));
      return { buf: v.buf, how: v.how, template: v.template };
    });
    const stream = Buffer.concat(samples.map((x) => frame(x.buf)));
    return { kind, samples, chunks: [stream], finish: 'fin', stream, readDelayMs: 300 };
  }
  if (kind === 'big-frame') {
    const h = encodeQuery({ id: rng.u16(), labels: ['example', 'com'], qtype: T.A }).buf;
    const body = Buffer.concat([h, rng.bytes(rng.pick([65535, 60000, 4000]) - h.length)]);
    if (rng.bool()) body.writeUInt16BE(1 + rng.int(3), 10); // additional records that run into random bytes
    const stream = frame(body);
    return { kind, samples: [{ buf: body, how: `big frame of ${body.length}` }], chunks: randomChunks(rng, stream, 6), finish: 'fin', stream };
  }
  const n = Math.min(budget, rng.range(1, 12));
  const samples = Array.from({ length: n }, () => gen.next());
  const parts: Buffer[] = [];
  for (const s of samples) {
    if (kind === 'zero-length' && rng.bool(0.5)) parts.push(Buffer.from([0, 0]));
    if (kind === 'bad-prefix' && rng.bool(0.35)) {
      const wrong = rng.pick([0, 1, 11, 12, 0xffff, s.buf.length + rng.range(1, 20), Math.max(0, s.buf.length - rng.range(1, 20)), rng.u16()]);
      parts.push(frame(s.buf, wrong));
    } else {
      parts.push(frame(s.buf));
    }
  }
  if (kind === 'close-mid-frame' || kind === 'reset-mid-frame') {
    const last = frame(gen.next().buf);
    parts.push(last.subarray(0, rng.range(1, Math.max(1, last.length - 1))));
  }
  const stream = Buffer.concat(parts);
  const chunks = kind === 'pipelined' ? [stream] : randomChunks(rng, stream, kind === 'split' ? 16 : 6);
  return { kind, samples, chunks, finish: kind === 'reset' || kind === 'reset-mid-frame' ? 'destroy' : 'fin', stream };
}

async function runSession(port: number, s: Session, fails: Failures, judge: FuzzJudge): Promise<void> {
  const res = await tcpSession(port, s.chunks, s.finish, 5000, s.readDelayMs);
  if (s.finish === 'destroy') return;
  const label = `tcp ${s.kind} session (${s.chunks.length} writes)`;
  if (res.ended === 'timeout') { fails.add(`${label}: no FIN from the server within 5 s (hang?)`, `got ${res.frames.length} frames`, s.stream); return; }
  if (res.ended === 'error') { fails.add(`${label}: connection error ${res.error}`, '', s.stream); return; }
  if (res.leftover) fails.add(`${label}: ${res.leftover} octets of an incomplete reply frame`, '', s.stream);
  // The server cuts the stream exactly like framesOf; each frame that is due gets one reply, in order.
  const due = framesOf(s.stream).filter(expectsReply);
  if (res.frames.length !== due.length) {
    fails.add(`${label}: ${res.frames.length} replies for ${due.length} frames that need one (ended by ${res.ended})`,
      `ids sent ${due.map((f) => f.readUInt16BE(0)).join(',')}; got ${res.frames.map((f) => (f.length >= 2 ? f.readUInt16BE(0) : -1)).join(',')}`, s.stream);
    return;
  }
  for (let i = 0; i < due.length; i++) {
    await judge.add('tcp', due[i]!, res.frames[i]!);
    const info = infoOf(decodeQuery(due[i]!));
    if (!info) { fails.add(`${label}: test decoder drops a frame the server answered`, '', due[i]!); continue; }
    const { problems, parsed } = checkReply(res.frames[i]!, info, 'tcp', CHECK);
    const template = s.samples.find((x) => x.buf === due[i] || x.buf.equals(due[i]!))?.template;
    if (parsed && template) problems.push(...checkExpect(parsed, template, info, 'tcp'));
    for (const p of problems) fails.add(`${label}: ${p}`, `reply ${hex(res.frames[i]!)}`, due[i]!);
  }
}

async function runUdp(clients: UdpClient[], samples: Sample[], fails: Failures, judge: FuzzJudge): Promise<void> {
  let next = 0;
  await Promise.all(clients.map(async (c) => {
    while (next < samples.length) {
      const s = samples[next++]!;
      const due = expectsReply(s.buf);
      const reply = await c.roundtrip(s.buf, due);
      await judge.add('udp', s.buf, reply);
      if (!due) continue;
      if (!reply) { fails.add('udp: no reply within 2 s', s.how, s.buf); continue; }
      const info = infoOf(decodeQuery(s.buf));
      if (!info) { fails.add('udp: test decoder drops a packet the server answered', s.how, s.buf); continue; }
      const { problems, parsed } = checkReply(reply, info, 'udp', CHECK);
      if (parsed && s.template) problems.push(...checkExpect(parsed, s.template, info, 'udp'));
      for (const p of problems) fails.add(`udp: ${p}`, `${s.how}; reply ${hex(reply)}`, s.buf);
    }
  }));
}

/** A valid A query for example.com over UDP and TCP must get 192.0.2.10. */
async function healthCheck(port: number, rng: Rng): Promise<string[]> {
  const out: string[] = [];
  for (const transport of ['udp', 'tcp'] as const) {
    const id = rng.u16();
    const q = encodeQuery({ id, labels: ['example', 'com'], qtype: T.A, qclass: C.IN, flags: 0x0100 }).buf;
    try {
      const r = transport === 'udp' ? await udpQuery(port, q, 2000) : await tcpQuery(port, q, 2000);
      const p = parseMessage(r);
      const a = p.answer.map((rr) => `${rr.type}:${[...rr.rdata].join('.')}`);
      if (p.id !== id || p.rcode !== R.NOERROR || !p.aa || a.join() !== '1:192.0.2.10') out.push(`${transport} health query: id ${p.id}/${id} rcode ${p.rcode} aa ${p.aa} answer ${a.join()}`);
    } catch (e) {
      out.push(`${transport} health query failed: ${(e as Error).message}`);
    }
  }
  return out;
}

describe(`fuzz: server child process over UDP and TCP (seed ${SEED})`, () => {
  let child: Child;
  beforeAll(async () => { child = await spawnServer(ensureBuilt()); }, 30_000);
  afterAll(async () => {
    if (child && alive(child)) {
      child.proc.kill('SIGKILL');
      await new Promise((r) => child.proc.once('exit', r));
    }
  });

  it(`${SOCKET_COUNT} packets (UDP, and TCP with split, bad, pipelined and cut frames): the process stays up and keeps answering`, async () => {
    const rng = new Rng((SEED ^ 0x5a5a5a5a) >>> 0);
    const gen = new Generator(rng);
    const fails = new Failures();
    const judge = new FuzzJudge(zoneOrigins);
    const health: string[] = [];
    const clients = Array.from({ length: 16 }, () => new UdpClient(child.port));
    await Promise.all(clients.map((c) => c.ready()));
    const t0 = performance.now();
    let sent = 0, udpSent = 0, tcpSent = 0, sessions = 0, healthChecks = 0;
    const sessionKinds: Record<string, number> = {};

    const fixed = corpus();
    while (sent < SOCKET_COUNT && performance.now() - t0 < SOCKET_DEADLINE_MS) {
      const left = SOCKET_COUNT - sent;
      const udpN = Math.min(300, left);
      // The first block starts with the fixed edge cases (and may be all UDP).
      const first = sent === 0 ? fixed.slice(0, left) : [];
      const udp = [...first, ...Array.from({ length: Math.max(0, udpN - first.length) }, () => gen.next())];
      let tcpBudget = Math.min(Math.max(0, BLOCK - udp.length), left - udp.length);
      const tcp: Session[] = [];
      while (tcpBudget > 0) {
        const s = makeSession(rng, gen, tcpBudget);
        tcpBudget -= s.samples.length;
        tcp.push(s);
      }
      await runUdp(clients, udp, fails, judge);
      udpSent += udp.length;
      for (let i = 0; i < tcp.length; i += 8) {
        await Promise.all(tcp.slice(i, i + 8).map((s) => runSession(child.port, s, fails, judge)));
      }
      for (const s of tcp) { tcpSent += s.samples.length; sessionKinds[s.kind] = (sessionKinds[s.kind] ?? 0) + 1; }
      sessions += tcp.length;
      sent = udpSent + tcpSent;
      healthChecks++;
      const h = await healthCheck(child.port, rng);
      if (!alive(child)) h.push(`child process died (exit ${child.proc.exitCode}, signal ${child.proc.signalCode})`);
      health.push(...h.map((x) => `after ${sent} packets: ${x}`));
      if (!alive(child)) break;
    }
    const ms = performance.now() - t0;

    // Replies nobody waited for: answers to packets that should have been dropped (or late duplicates).
    await new Promise((r) => setTimeout(r, 200));
    for (const c of clients) for (const m of c.unexpected) fails.add('udp: unexpected reply (to a packet that should be dropped, or late)', `id ${m.length >= 2 ? m.readUInt16BE(0) : -1}`, m);
    await Promise.all(clients.map((c) => c.close()));

    // And at the end, Node's own resolver.
    const r = new Resolver({ timeout: 2000, tries: 2 });
    r.setServers([`127.0.0.1:${child.port}`]);
    try {
      expect(await r.resolve4('example.com')).toEqual(['192.0.2.10']);
      expect((await r.resolve4('www.example.com')).sort()).toEqual(['192.0.2.80', '192.0.2.81']);
      expect((await r.resolveMx('example.com')).sort((a, b) => a.priority - b.priority).map((m) => m.exchange)).toEqual(['mail.example.com', 'mx2.example.net']);
    } catch (e) {
      health.push(`final resolver check: ${(e as Error).message}`);
    }

    console.log(`sockets: ${sent} packets (${udpSent} UDP, ${tcpSent} TCP in ${sessions} connections ${JSON.stringify(sessionKinds)}) `
      + `in ${ms.toFixed(0)} ms, ${healthChecks} health checks`);
    if (sent < SOCKET_COUNT) console.warn(`fuzz: stopped at the ${SOCKET_DEADLINE_MS} ms deadline after ${sent} packets`);
    if (fails.size) console.log(`FAILURES (seed ${SEED}):\n${fails.report()}`);
    if (child.errors.length) console.log(`server logged errors:\n${child.errors.slice(0, 20).join('\n')}`);

    const verdict = await judge.finish();
    console.log(`sockets, judged by dnspython: ${verdict.inputs} exchanges, ${JSON.stringify(verdict.counts)}`);
    expect(verdictReport(verdict)).toBe('');
    expect(health).toEqual([]);
    expect(alive(child), 'the server process is still running').toBe(true);
    expect(child.errors, 'error-level log lines or stderr output from the server').toEqual([]);
    expect(fails.report()).toBe('');
    expect(sent).toBeGreaterThanOrEqual(Math.min(SOCKET_COUNT, 2000));
  }, 55_000);

  it('the server still exits cleanly on SIGTERM', async () => {
    expect(alive(child)).toBe(true);
    const exited = new Promise<number | null>((r) => child.proc.once('exit', (code) => r(code)));
    child.proc.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000))]);
    expect(code).toBe(0);
  }, 10_000);
});
