/**
 * NOTIFY out (RFC 1996), in process: the message as dnspython reads it (its
 * TSIG verified by dnspython with the key), and the Notifier against a UDP
 * socket playing the secondary: acknowledged, retried, given up, superseded,
 * an error reply, replies that do not match.
 */
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadZones } from '../../src/server/load.js';
import { Notifier, encodeNotify, parseNotifyTarget, zonesToNotify } from '../../src/server/notify.js';
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
    const sec = await secondary((msg) => ack(msg, 9));
    const { log, lines } = logger();
    const n = new Notifier({ targets: [{ host: '127.0.0.1', port: sec.port }], key: KEY, firstDelayMs: 20 }, log);
    cleanup.push(() => n.close(), sec.close);
    n.notify(zone.zone, zone.serial);
    await until(() => lines.some((l) => l.msg === 'notify answered with an error'));
    expect(lines.find((l) => l.msg === 'notify answered with an error')).toMatchObject({ level: 40, rcode: 9 });
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
    n.loaded([], [{ ...zone, model: { ...zone.model, notify: { targets: to, key: 'notify.test.' } } }]);
    await until(() => own.got.length === 2 && n.waiting === 0);
    expect(own.got[1]!.readUInt16BE(10)).toBe(1);
    // A key no key file holds: said at warn, and nothing is sent (unsigned, it would be refused).
    n.loaded([], [{ ...zone, model: { ...zone.model, notify: { targets: to, key: 'other.test.' } } }]);
    expect(lines.find((l) => l.msg.startsWith('notify: names a key'))).toMatchObject({ level: 40, key: 'other.test.' });
    expect(n.waiting).toBe(0);
    expect(server.got).toHaveLength(0);
  });
});
