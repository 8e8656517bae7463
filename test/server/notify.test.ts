/**
 * NOTIFY out (RFC 1996), in process: the message as dnspython reads it (its
 * TSIG verified by dnspython with the key), and the Notifier against a UDP
 * socket playing the secondary: acknowledged, retried, given up, superseded,
 * an error reply, replies that do not match; and, signed, against a
 * dnspython secondary whose replies are signed, unsigned or wrongly signed.
 */
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadZones } from '../../src/server/load.js';
import { ServerMetrics } from '../../src/server/metrics.js';
import { Notifier, encodeNotify, zonesToNotify } from '../../src/server/notify.js';
import { parseNotifyTarget } from '../../src/util/socket.js';
import type { TsigKey } from '../../src/wire/tsig.js';
import { PYTHON, requireDnspython } from '../helpers/dnspy.js';

const havePy = requireDnspython();
const loaded = loadZones([path.resolve('zones/example.org.yaml')]);
const zone = loaded.zones.find((z) => z.zone.origin.join('.') === 'example.org')!;
const KEY: TsigKey = { name: ['notify', 'test'], algorithm: 'hmac-sha256', secret: Buffer.from('notify key for the unit test!!!!') };

const READ = `
import json, sys, dns.message, dns.tsigkeyring, dns.opcode, dns.flags, dns.rcode
wire = bytes.fromhex(sys.argv[1])
kr = dns.tsigkeyring.from_text({sys.argv[2]: (sys.argv[4], sys.argv[3])}) if len(sys.argv) > 2 else None
try:
    m = dns.message.from_wire(wire, keyring=kr)
except Exception as e:
    print(json.dumps({"error": type(e).__name__})); sys.exit(0)
print(json.dumps({"id": m.id, "opcode": dns.opcode.to_text(m.opcode()), "flags": dns.flags.to_text(m.flags),
  "question": [r.to_text() for r in m.question], "answer": [r.to_text() for r in m.answer],
  "signed": m.had_tsig, "tsig_ok": m.had_tsig and m.tsig_error == 0}))
`;
const py = (wire: Buffer, key?: [string, string, string]) => {
  const r = spawnSync(PYTHON, ['-c', READ, wire.toString('hex'), ...(key ?? [])], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
};

describe.skipIf(!havePy)('the NOTIFY message, read by dnspython', () => {
  it('opcode NOTIFY, AA, the question ZONE SOA IN, the SOA in the answer (RFC 1996 §3.7)', () => {
    const m = py(encodeNotify(4242, zone.zone));
    expect(m).toMatchObject({ id: 4242, opcode: 'NOTIFY', flags: 'AA', question: ['example.org. IN SOA'], signed: false });
    const answer = m.answer as string[];
    expect(answer).toHaveLength(1);
    expect(answer[0]).toMatch(new RegExp(`^example\\.org\\. \\d+ IN SOA \\S+ \\S+ ${zone.serial} `));
  });

  it('signed with TSIG: dnspython verifies the MAC with the key, and refuses it with another secret', () => {
    const wire = encodeNotify(7, zone.zone, KEY);
    expect(py(wire, ['notify.test.', KEY.secret.toString('base64'), 'hmac-sha256'])).toMatchObject({ opcode: 'NOTIFY', signed: true, tsig_ok: true });
    expect(py(wire, ['notify.test.', Buffer.from('another secret, not the one used').toString('base64'), 'hmac-sha256'])).toEqual({ error: 'BadSignature' });
  });
});

describe('--notify targets and which zones are announced', () => {
  it('ADDRESS[@PORT], port 53 by default, IPv6 too', () => {
    expect(parseNotifyTarget('192.0.2.53')).toEqual({ host: '192.0.2.53', port: 53 });
    expect(parseNotifyTarget('2001:db8::53@5300')).toEqual({ host: '2001:db8::53', port: 5300 });
    expect(parseNotifyTarget('ns2.example.net')).toHaveProperty('error');
    expect(parseNotifyTarget('192.0.2.53@70000')).toHaveProperty('error');
  });

  it('new zones and changed serials; not an unchanged one', () => {
    expect(zonesToNotify([], [zone])).toEqual([zone]);
    expect(zonesToNotify([zone], [zone])).toEqual([]);
    expect(zonesToNotify([{ ...zone, serial: zone.serial - 1 }], [zone])).toEqual([zone]);
  });
});

/** A UDP socket playing the secondary: answers (or not) as `answer` says. */
async function secondary(answer: (msg: Buffer, n: number) => Buffer | undefined) {
  const s = dgram.createSocket('udp4');
  const got: Buffer[] = [];
  s.on('message', (msg, from) => {
    got.push(msg);
    const r = answer(msg, got.length);
    if (r) s.send(r, from.port, from.address);
  });
  await new Promise<void>((ok) => s.bind(0, '127.0.0.1', ok));
  return { port: s.address().port, got, close: () => s.close() };
}

/** The reply a secondary sends: the request with QR set (and an rcode). */
const ack = (msg: Buffer, rcode = 0) => { const r = Buffer.from(msg); r.writeUInt16BE((r.readUInt16BE(2) & ~0x000f) | 0x8000 | rcode, 2); return r; };

function logger() {
  const lines: { level: number; msg: string; [k: string]: unknown }[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => { lines.push(JSON.parse(s)); } });
  return { log, lines };
}

const until = async (f: () => boolean, ms = 5000) => { const end = Date.now() + ms; while (!f()) { if (Date.now() > end) throw new Error('timed out'); await new Promise((r) => setTimeout(r, 10)); } };

describe('the Notifier against a UDP secondary', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => { for (const c of cleanup.splice(0)) c(); });

  it('acknowledged on the first reply that matches: another ID or a query reply is not one', async () => {
    const sec = await secondary((msg, n) => {
      if (n === 1) { const wrong = ack(msg); wrong.writeUInt16BE(msg.readUInt16BE(0) ^ 1, 0); return wrong; }
      if (n === 2) { const query = ack(msg); query.writeUInt16BE(query.readUInt16BE(2) & ~0x7800, 2); return query; }
      return ack(msg);
    });
    const { log, lines } = logger();
    const n = new Notifier({ targets: [{ host: '127.0.0.1', port: sec.port }], firstDelayMs: 20 }, log);
    cleanup.push(() => n.close(), sec.close);
    n.loaded([], [zone]);
    await until(() => lines.some((l) => l.msg === 'notify acknowledged'));
    expect(sec.got.length).toBe(3);
    expect(lines.find((l) => l.msg === 'notify acknowledged')).toMatchObject({ level: 30, zone: 'example.org.', serial: zone.serial, tries: 3 });
    expect(n.waiting).toBe(0);
  });

  it('given up after 5 tries, with a doubling interval, logged at warn', async () => {
    const sec = await secondary(() => undefined);
    const { log, lines } = logger();
    const n = new Notifier({ targets: [{ host: '127.0.0.1', port: sec.port }], firstDelayMs: 10 }, log);
    cleanup.push(() => n.close(), sec.close);
    const t0 = Date.now();
    n.notify(zone.zone, zone.serial);
    await until(() => lines.some((l) => l.msg.startsWith('notify given up')));
    // 10 + 20 + 40 + 80 + 160 ms of waiting.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(sec.got.length).toBe(5);
    expect(lines.find((l) => l.msg.startsWith('notify given up'))).toMatchObject({ level: 40, tries: 5 });
  });

  it('a newer serial supersedes the pending one: its replies no longer count', async () => {
    const sec = await secondary((msg, n) => (n >= 2 ? ack(msg) : undefined));
    const { log, lines } = logger();
    const n = new Notifier({ targets: [{ host: '127.0.0.1', port: sec.port }], firstDelayMs: 10_000 }, log);
    cleanup.push(() => n.close(), sec.close);
    n.notify(zone.zone, zone.serial - 1);
    n.notify(zone.zone, zone.serial);
    await until(() => lines.some((l) => l.msg === 'notify acknowledged'));
    expect(lines.filter((l) => l.msg === 'notify acknowledged')).toEqual([expect.objectContaining({ serial: zone.serial })]);
    expect(lines.some((l) => l.msg === 'notify superseded')).toBe(true);
    expect(n.waiting).toBe(0);
  });

  it('an error reply ends the retries, at warn with its rcode', async () => {
    const sec = await secondary((msg) => ack(msg, 5));
    const { log, lines } = logger();
    const n = new Notifier({ targets: [{ host: '127.0.0.1', port: sec.port }], firstDelayMs: 20 }, log);
    cleanup.push(() => n.close(), sec.close);
    n.notify(zone.zone, zone.serial);
    await until(() => lines.some((l) => l.msg === 'notify answered with an error'));
    expect(lines.find((l) => l.msg === 'notify answered with an error')).toMatchObject({ level: 40, rcode: 5 });
    expect(sec.got.length).toBe(1);
  });

  it('a zone file\'s notify: replaces the server\'s targets and key for its zone: its own key, or unsigned', async () => {
    const server = await secondary((msg) => ack(msg));
    const own = await secondary((msg) => ack(msg));
    const { log, lines } = logger();
    const n = new Notifier({ targets: [{ host: '127.0.0.1', port: server.port }], key: KEY, keys: new Map([['notify.test.', KEY]]), firstDelayMs: 20 }, log);
    cleanup.push(() => n.close(), server.close, own.close);
    const to = [{ host: '127.0.0.1', port: own.port }];
    n.loaded([], [{ ...zone, model: { ...zone.model, notify: { targets: to } } }]);
    await until(() => own.got.length === 1 && n.waiting === 0);
    expect(server.got).toHaveLength(0);
    // ARCOUNT 0: no TSIG, although the server's NOTIFYs are signed.
    expect(own.got[0]!.readUInt16BE(10)).toBe(0);
    // Signed with the zone's own key (this secondary answers unsigned, so the NOTIFY is not acknowledged: RFC 8945 §5.3).
    n.loaded([], [{ ...zone, model: { ...zone.model, notify: { targets: to, key: 'notify.test.' } } }]);
    await until(() => own.got.length === 2);
    expect(own.got[1]!.readUInt16BE(10)).toBe(1);
    n.close();
    // A key no key file holds: said at warn, and nothing is sent (unsigned, it would be refused).
    const m = new Notifier({ targets: [{ host: '127.0.0.1', port: server.port }], key: KEY, keys: new Map([['notify.test.', KEY]]), firstDelayMs: 20 }, log);
    cleanup.push(() => m.close());
    m.loaded([], [{ ...zone, model: { ...zone.model, notify: { targets: to, key: 'other.test.' } } }]);
    expect(lines.find((l) => l.msg.startsWith('notify: names a key'))).toMatchObject({ level: 40, key: 'other.test.' });
    expect(m.waiting).toBe(0);
    expect(server.got).toHaveLength(0);
  });
});

/**
 * A secondary we did not write: dnspython on a UDP socket. It reads each
 * NOTIFY with the key (so our request verifies, or it says why not) and
 * answers as `modes` says, one mode per NOTIFY received, the last repeated:
 * `signed` (dns.message.make_response: signed with the key, chained to our
 * MAC, RFC 8945 §5.3), `unsigned` (the same reply without its TSIG),
 * `wrong-secret` (signed by a key of the same name and another secret),
 * `badsig` (NOTAUTH with an unsigned BADSIG TSIG, as a secondary with
 * another secret answers, §5.3.2), `refused` (REFUSED, signed).
 */
const SECONDARY = `
import json, sys, socket, dns.message, dns.tsig, dns.tsigkeyring, dns.rcode, dns.name
name, secret, modes = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
ring = dns.tsigkeyring.from_text({name: ("hmac-sha256", secret)})
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
n = 0
while True:
    wire, peer = s.recvfrom(65535)
    mode = modes[min(n, len(modes) - 1)]
    n += 1
    try:
        q = dns.message.from_wire(wire, keyring=ring)
    except Exception as e:
        print(json.dumps({"request": type(e).__name__}), flush=True); continue
    print(json.dumps({"request": "verified" if q.had_tsig else "unsigned", "mode": mode}), flush=True)
    r = dns.message.make_response(q)
    if mode == "unsigned":
        r.tsig = None
    elif mode == "wrong-secret":
        r.use_tsig(dns.tsig.Key(name, b"another secret, not the key's!!!", "hmac-sha256"), original_id=q.id)
    elif mode == "badsig":
        r = dns.message.make_response(q, tsig_error=dns.rcode.BADSIG)
        r.set_rcode(dns.rcode.NOTAUTH)
        out = r.to_wire(max_size=65535, multi=False)
        # An unsigned error TSIG (MAC size 0), as RFC 8945 §5.3.2 gives it: rebuilt by hand, dnspython always signs.
        tsig = r.tsig[0].replace(mac=b"")
        r.tsig = None
        base = bytearray(r.to_wire())
        rd = tsig.to_digestable()
        base[10:12] = (int.from_bytes(base[10:12], "big") + 1).to_bytes(2, "big")
        s.sendto(bytes(base) + dns.name.from_text(name).to_wire() + (250).to_bytes(2, "big") + (255).to_bytes(2, "big") + (0).to_bytes(4, "big") + len(rd).to_bytes(2, "big") + rd, peer)
        continue
    elif mode == "refused":
        r.set_rcode(dns.rcode.REFUSED)
    s.sendto(r.to_wire(), peer)
`;

async function pySecondary(key: TsigKey, modes: string[]) {
  const child = spawn(PYTHON, ['-c', SECONDARY, key.name.join('.') + '.', key.secret.toString('base64'), modes.join(',')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const seen: Record<string, string>[] = [];
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const port = await new Promise<number>((ok, fail) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (/^\d+$/.test(line)) ok(Number(line)); else seen.push(JSON.parse(line) as Record<string, string>);
      }
    });
    child.once('exit', (code) => fail(new Error(`the dnspython secondary exited ${code}: ${err}`)));
  });
  return { port, seen, close: () => { child.kill(); } };
}

describe.skipIf(!havePy)('a signed NOTIFY: only a reply whose TSIG verifies is an answer (RFC 8945 §5.3)', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => { for (const c of cleanup.splice(0)) c(); });

  async function run(modes: string[]) {
    const sec = await pySecondary(KEY, modes);
    const { log, lines } = logger();
    const metrics = new ServerMetrics();
    const n = new Notifier({ targets: [{ host: '127.0.0.1', port: sec.port }], key: KEY, firstDelayMs: 20, onOutcome: (o) => metrics.notified(o) }, log);
    cleanup.push(() => n.close(), sec.close);
    n.notify(zone.zone, zone.serial);
    await until(() => n.waiting === 0, 10_000);
    const counted = (await metrics.registry.getSingleMetricAsString('mailns_notify_total')).split('\n').filter((l) => l.startsWith('mailns_notify_total{') && !l.endsWith(' 0'));
    return { sec, lines, counted, end: lines.find((l) => /^notify (acknowledged|given up|answered)/.test(l.msg))! };
  }

  it('answered signed: acknowledged at the first try, dnspython having verified our NOTIFY', async () => {
    const { sec, end, counted } = await run(['signed']);
    expect(end).toMatchObject({ msg: 'notify acknowledged', tries: 1 });
    expect(sec.seen).toEqual([{ request: 'verified', mode: 'signed' }]);
    expect(counted).toEqual(['mailns_notify_total{outcome="acknowledged"} 1']);
  });

  it('answered unsigned: retried, acknowledged once a signed reply comes', async () => {
    const { sec, end, lines } = await run(['unsigned', 'unsigned', 'signed']);
    expect(end).toMatchObject({ msg: 'notify acknowledged', tries: 3 });
    expect(sec.seen.map((s) => s.request)).toEqual(['verified', 'verified', 'verified']);
    expect(lines.filter((l) => l.msg === 'notify reply not verified').map((l) => l.why)).toEqual(['the reply is not signed (rcode 0)', 'the reply is not signed (rcode 0)']);
  });

  for (const [mode, why] of [
    ['unsigned', 'the reply is not signed (rcode 0)'],
    ['wrong-secret', "the reply's MAC does not verify (rcode 0)"],
    ['badsig', 'the reply carries TSIG error BADSIG, unsigned (rcode 9)'],
  ] as const) {
    it(`answered ${mode} every time: retried, given up saying why, counted given-up`, async () => {
      const { sec, end, counted } = await run([mode]);
      expect(end).toMatchObject({ msg: 'notify given up: no verified reply', level: 40, tries: 5, why });
      expect(sec.seen).toHaveLength(5);
      expect(counted).toEqual(['mailns_notify_total{outcome="given-up"} 1']);
    });
  }

  it('a signed REFUSED is an answer: not retried, counted as an error', async () => {
    const { sec, end, counted } = await run(['refused']);
    expect(end).toMatchObject({ msg: 'notify answered with an error', rcode: 5, tries: 1 });
    expect(sec.seen).toHaveLength(1);
    expect(counted).toEqual(['mailns_notify_total{outcome="error"} 1']);
  });
});
