/**
 * `npm run bench` (third part): what a reflection flood gets out of mailns
 * and NSD, each with its rate limiting as shipped (on by default). From one
 * source, 20,000 identical queries in 2 s over UDP, for ANY and for the big
 * TXT of the example zone, without EDNS and with EDNS 4096; meanwhile a
 * second client, from another network (127.0.1.1), asks one query every
 * 10 ms. Prints octets out / octets in for the flood and how many of the
 * second client's queries were answered.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { loadZones } from '../src/server/load.js';
import { exportZone } from '../src/zone/export.js';
import { nameToText, parseName } from '../src/util/name.js';
import { findFreePort, findTool, startNsd } from '../test/helpers/nsd.js';
import { encodeQuery } from '../test/helpers/fuzz.js';

const FLOOD = 20_000;
const FLOOD_MS = 2000;

/** A query in wire form, with an OPT of `udp` octets when given. */
function query(name: string, qtype: number, id: number, udp?: number): Buffer {
  return encodeQuery({ id, labels: parseName(name), qtype, ...(udp ? { edns: { udpSize: udp } } : {}) }).buf;
}

async function flood(port: number, q: Buffer): Promise<{ sentOctets: number; gotOctets: number; replies: number; other: { asked: number; answered: number } }> {
  const attacker = createSocket('udp4');
  const victim = { octets: 0, replies: 0 };
  attacker.on('message', (m) => { victim.octets += m.length; victim.replies++; });
  await new Promise<void>((ok) => attacker.bind(0, '127.0.0.1', () => ok()));
  const other = createSocket('udp4');
  const second = { asked: 0, answered: 0 };
  other.on('message', () => { second.answered++; });
  await new Promise<void>((ok) => other.bind(0, '127.0.1.1', () => ok()));
  const oq = query('www.example.com.', 1, 7);
  const ask = setInterval(() => { second.asked++; other.send(oq, port, '127.0.0.1'); }, 10);
  const t0 = Date.now();
  let sent = 0;
  // 20,000 in 2 s: a burst of 100 every 10 ms.
  while (sent < FLOOD) {
    for (let i = 0; i < 100 && sent < FLOOD; i++, sent++) attacker.send(q, port, '127.0.0.1');
    const due = t0 + (sent / FLOOD) * FLOOD_MS;
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
  }
  await new Promise((r) => setTimeout(r, 500));
  clearInterval(ask);
  await new Promise((r) => setTimeout(r, 200));
  attacker.close();
  other.close();
  return { sentOctets: sent * q.length, gotOctets: victim.octets, replies: victim.replies, other: second };
}

async function startMailns(port: number): Promise<ChildProcess> {
  // Rate limiting as shipped: no --rrl flag.
  const child = spawn('taskset', ['-c', '0', process.execPath, 'dist/src/cli/main.js', 'serve', 'zones', '--listen', `127.0.0.1:${port}`, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 100; i++) {
    const r = spawnSync('dig', ['+short', '+tries=1', '+time=1', '-b', '127.0.2.1', '@127.0.0.1', '-p', String(port), 'example.com', 'SOA'], { encoding: 'utf8' });
    if (/^\S+ \S+ \d+ \d+ \d+ \d+ \d+$/m.test(r.stdout)) return child;
    await new Promise((res) => setTimeout(res, 100));
  }
  child.kill('SIGKILL');
  throw new Error('mailns did not start');
}

async function main(): Promise<void> {
  for (const tool of ['taskset', 'nsd', 'dig']) {
    if (!findTool(tool)) { console.error(`bench needs ${tool}`); process.exit(2); }
  }
  const loaded = loadZones(['zones']);
  const nsd = await startNsd(loaded.zones.map((z) => ({ name: nameToText(z.zone.origin), text: exportZone(z.zone) })), { wrap: ['taskset', '-c', '0'], rrl: true });
  const port = await findFreePort();
  const mailns = await startMailns(port);
  try {
    console.log(`\nA flood of ${FLOOD} identical UDP queries in ${FLOOD_MS / 1000} s from one source, rate limiting as shipped; a second client (another /24) asks every 10 ms:`);
    for (const [what, qtype, name] of [['ANY example.com', 255, 'example.com.'], ['TXT big.example.com', 16, 'big.example.com.']] as const) {
      for (const udp of [undefined, 4096]) {
        for (const [server, p] of [['mailns', port], ['NSD', nsd.port]] as const) {
          const r = await flood(p, query(name, qtype, 0x5151, udp));
          console.log(`  ${server.padEnd(6)} ${what.padEnd(20)} ${udp ? 'EDNS 4096' : 'no EDNS  '}  out/in ${(r.gotOctets / r.sentOctets).toFixed(2).padStart(6)}  (${(r.gotOctets / 1e6).toFixed(2)} MB in ${r.replies} replies for ${(r.sentOctets / 1e6).toFixed(2)} MB)  second client ${r.other.answered}/${r.other.asked} answered`);
          // Let the buckets refill before the next flood.
          await new Promise((res) => setTimeout(res, 1500));
        }
      }
    }
  } finally {
    mailns.kill('SIGTERM');
    await nsd.stop();
  }
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
