/**
 * The answering path without sockets: decode and respond (response cache
 * and all) for one of the bench mixes, a million times; prints microseconds
 * a query. For profiling (`node --cpu-prof dist/bench/answering.js random`);
 * the figures of record are dnsperf's, in `npm run bench`.
 */
import { loadZones } from '../src/server/load.js';
import { decodeQuery } from '../src/wire/decode.js';
import { Responder } from '../src/query/respond.js';
import { typeFromText } from '../src/wire/constants.js';
import { parseName } from '../src/util/name.js';
import { encodeQuery } from '../test/helpers/fuzz.js';
import { randomQueries, repeatedQueries } from './mixes.js';

const mix = process.argv[2] === 'repeated' ? 'repeated' : 'random';
const rounds = Number(process.argv[3] ?? 1_000_000);
const catalog = loadZones([process.env.BENCH_ZONES ?? 'zones']).catalog;

/** A query as dnsperf sends it: RD clear, EDNS with a 4096-octet size. */
function query(line: string, id: number): Buffer {
  const [name, type] = line.split(' ');
  return encodeQuery({ id, labels: parseName(name + '.'), qtype: typeFromText(type!)!, edns: { udpSize: 4096 } }).buf;
}
const queries = (mix === 'random' ? randomQueries() : repeatedQueries()).trim().split('\n').map((l, i) => query(l, i & 0xffff));
const responder = new Responder({ chaos: { version: false, identity: false } });
for (let pass = 1; pass <= 4; pass++) {
  let octets = 0;
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    const raw = queries[i % queries.length]!;
    octets += responder.respond(decodeQuery(raw), catalog, 'udp', raw, { peer: '127.0.0.1' })?.bytes.length ?? 0;
  }
  console.log(`${mix}, pass ${pass}: ${((performance.now() - t0) * 1000 / rounds).toFixed(2)} µs a query (${rounds} queries, ${(octets / rounds).toFixed(0)} octets a reply)`);
}
