/**
 * NOTIFY out (RFC 1996): after a load, each zone whose serial changed (or is
 * new) is announced over UDP to every target, so a secondary transfers it now
 * instead of at its next SOA refresh.
 *
 * A NOTIFY is retried with a doubling interval until a reply with the same ID,
 * opcode NOTIFY and QR arrives from the target (§3.6), at most `tries` times;
 * a newer serial of the same zone for the same target replaces one still
 * pending. The targets are the server's, or those of the zone file's
 * `notify:`, which replaces them (with its own key, or none) for its zones.
 * A NOTIFY signed with TSIG is acknowledged only by a reply whose TSIG
 * verifies (RFC 8945 §5.3); any other is treated as none. Acknowledged is
 * logged at info, given up at warn (with why). Nothing here
 * throws into the caller: socket errors are logged, and the answering path
 * never waits on a NOTIFY.
 */
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import type { SocketAddress } from '../util/socket.js';
import type { Logger } from 'pino';
import { nameKey, nameToText } from '../util/name.js';
import { CLASS, FLAG, OPCODE, TYPE } from '../wire/constants.js';
import { decodeResponse } from '../wire/stub.js';
import { appendRR, signMessage, tsigErrorText, verifyResponse, type Keyring, type TsigKey, type TsigRecord } from '../wire/tsig.js';
import { MessageWriter } from '../wire/writer.js';
import type { Zone } from '../zone/zone.js';
import type { LoadedZone } from './load.js';

export type NotifyTarget = SocketAddress;

const fmtTarget = (t: NotifyTarget) => (t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`);

/**
 * The NOTIFY message: opcode NOTIFY, AA set (§3.7), the question ZONE SOA IN,
 * and the zone's SOA in the answer section (§3.7 allows it: a secondary may
 * skip its SOA query when the serial is not newer). Signed with `key` when
 * given (RFC 8945: a request, so no prior MAC); `now` in seconds.
 */
export function encodeNotify(id: number, zone: Zone, key?: TsigKey, now = Math.floor(Date.now() / 1000)): Buffer {
  return notifyMessage(id, zone, key, now).bytes;
}

/** The NOTIFY and, when signed, its MAC: the reply's TSIG is chained to it (RFC 8945 §5.3). */
function notifyMessage(id: number, zone: Zone, key: TsigKey | undefined, now: number): { bytes: Buffer; mac?: Buffer } {
  const w = new MessageWriter(Buffer.allocUnsafe(2048));
  w.u16(id);
  w.u16((OPCODE.NOTIFY << 11) | FLAG.AA);
  w.u16(1); w.u16(1); w.u16(0); w.u16(0);
  w.name(zone.origin);
  w.u16(TYPE.SOA);
  w.u16(CLASS.IN);
  const soa = zone.soa;
  w.rr(soa.owner, soa.type, soa.klass, soa.ttl, soa.rdatas[0]!, soa.compress);
  const msg = w.finish();
  if (!key) return { bytes: msg };
  const { rr, mac } = signMessage(msg, { key, originalId: id, time: now });
  return { bytes: appendRR(msg, rr), mac };
}

/** The zones of `now` that are new or whose serial differs from `before`'s, and that a secondary can transfer. */
export function zonesToNotify(before: readonly LoadedZone[], now: readonly LoadedZone[]): LoadedZone[] {
  const old = new Map(before.map((z) => [nameKey(z.zone.origin), z.serial]));
  // A zone that cannot be transferred (generic names too many to list) would only earn a REFUSED transfer.
  return now.filter((z) => old.get(nameKey(z.zone.origin)) !== z.serial && !z.zone.unpublishable().length);
}

export interface NotifierOptions {
  /** The server's targets, for the zones whose file has no notify: of its own. */
  targets: readonly NotifyTarget[];
  key?: TsigKey;
  /** The keys a zone's notify: may name. */
  keys?: Keyring;
  /** Sends in all, the first included (RFC 1996 §3.6 leaves the count to us; 5). */
  tries?: number;
  /** The wait after the first send; doubled after each (2 s). */
  firstDelayMs?: number;
  /** How each NOTIFY ended, for the metrics. */
  onOutcome?: (outcome: NotifyOutcome) => void;
}

export type NotifyOutcome = 'acknowledged' | 'error' | 'given-up';

interface Pending {
  zone: string;
  serial: number;
  target: NotifyTarget;
  id: number;
  tries: number;
  started: number;
  timer?: NodeJS.Timeout;
  /** The key it is signed with (the zone's notify: key, or the server's), if any. */
  key?: TsigKey;
  message: () => { bytes: Buffer; mac?: Buffer };
  /** The MAC of each try sent (each is signed anew): a reply may answer any of them. */
  macs: Buffer[];
  /** Why the last reply did not count (RFC 8945 §5.3: a reply to a signed NOTIFY must verify). */
  unverified?: string;
}

export class Notifier {
  private readonly pending = new Map<string, Pending>();
  private readonly sockets: { udp4?: dgram.Socket; udp6?: dgram.Socket } = {};
  private readonly tries: number;
  private readonly firstDelayMs: number;
  private closed = false;

  constructor(private readonly o: NotifierOptions, private readonly log: Logger) {
    this.tries = o.tries ?? 5;
    this.firstDelayMs = o.firstDelayMs ?? 2000;
  }

  /** After a load: NOTIFY for every zone new in `now` or with another serial than in `before`. */
  loaded(before: readonly LoadedZone[], now: readonly LoadedZone[]): void {
    try {
      for (const z of zonesToNotify(before, now)) this.notify(z.zone, z.serial, this.targetsOf(z));
    } catch (err) {
      this.log.warn({ err }, 'notify failed');
    }
  }

  /** A zone's targets and key: its file's notify:, else the server's. */
  targetsOf(z: LoadedZone): { targets: readonly NotifyTarget[]; key?: TsigKey } {
    const own = z.model.notify;
    if (!own) return { targets: this.o.targets, key: this.o.key };
    if (own.key === undefined) return { targets: own.targets };
    const key = this.o.keys?.get(own.key);
    // Unsigned, a NOTIFY the secondary expects signed would only be refused (RFC 8945 §5.2): say why none is sent.
    if (!key) this.log.warn({ zone: nameToText(z.zone.origin), file: z.file, key: own.key }, 'notify: names a key that no tsig-keys file holds; not notified');
    return key ? { targets: own.targets, key } : { targets: [] };
  }

  /** NOTIFY `zone` at `serial` to every target (the server's unless given), replacing any pending one of the zone. */
  notify(zone: Zone, serial: number, to: { targets: readonly NotifyTarget[]; key?: TsigKey } = this.o): void {
    if (this.closed) return;
    const name = nameToText(zone.origin);
    for (const target of to.targets) {
      const k = `${nameKey(zone.origin)} ${fmtTarget(target)}`;
      const old = this.pending.get(k);
      if (old) {
        clearTimeout(old.timer);
        this.pending.delete(k);
        this.log.debug({ zone: name, target: fmtTarget(target), serial: old.serial, by: serial }, 'notify superseded');
      }
      const id = this.freshId();
      const p: Pending = { zone: name, serial, target, id, tries: 0, started: performance.now(), key: to.key, message: () => notifyMessage(id, zone, to.key, Math.floor(Date.now() / 1000)), macs: [] };
      this.pending.set(k, p);
      this.send(k, p);
    }
  }

  /** Pending NOTIFYs are dropped, the sockets closed (stopping). */
  close(): void {
    this.closed = true;
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    for (const s of [this.sockets.udp4, this.sockets.udp6]) try { s?.close(); } catch { /* already closed */ }
  }

  /** How many NOTIFYs wait for a reply (for tests). */
  get waiting(): number { return this.pending.size; }

  private freshId(): number {
    const used = new Set([...this.pending.values()].map((p) => p.id));
    let id: number;
    do id = randomInt(0x10000); while (used.has(id));
    return id;
  }

  private send(k: string, p: Pending): void {
    if (this.pending.get(k) !== p) return;
    if (p.tries >= this.tries) {
      this.pending.delete(k);
      const entry = { zone: p.zone, serial: p.serial, target: fmtTarget(p.target), tries: p.tries };
      if (p.unverified) this.log.warn({ ...entry, why: p.unverified }, 'notify given up: no verified reply');
      else this.log.warn(entry, 'notify given up: no reply');
      this.o.onOutcome?.('given-up');
      return;
    }
    p.tries++;
    // §3.6: the interval doubles after each try; a last wait for the reply to the last one.
    p.timer = setTimeout(() => this.send(k, p), this.firstDelayMs * 2 ** (p.tries - 1));
    p.timer.unref();
    try {
      const { bytes: msg, mac } = p.message();
      if (mac) p.macs.push(mac);
      this.socket(p.target).send(msg, p.target.port, p.target.host, (err) => {
        if (err) this.log.debug({ zone: p.zone, target: fmtTarget(p.target), err: err.message }, 'notify not sent');
      });
      this.log.debug({ zone: p.zone, serial: p.serial, target: fmtTarget(p.target), id: p.id, try: p.tries }, 'notify sent');
    } catch (err) {
      this.log.debug({ zone: p.zone, target: fmtTarget(p.target), err }, 'notify not sent');
    }
  }

  private socket(t: NotifyTarget): dgram.Socket {
    const family = isIP(t.host) === 6 ? 'udp6' : 'udp4';
    let s = this.sockets[family];
    if (!s) {
      s = dgram.createSocket(family);
      s.on('error', (err) => this.log.warn({ err: err.message }, 'notify socket error'));
      s.on('message', (msg, from) => this.reply(msg, from));
      s.unref();
      this.sockets[family] = s;
    }
    return s;
  }

  /** A reply: same ID, opcode NOTIFY, QR set, from the target it was sent to (§4.7). */
  private reply(msg: Buffer, from: dgram.RemoteInfo): void {
    const d = decodeResponse(msg);
    if (d.kind !== 'response' || d.response.opcode !== OPCODE.NOTIFY) return;
    const r = d.response;
    for (const [k, p] of this.pending) {
      if (p.id !== r.id || p.target.port !== from.port || !sameHost(p.target.host, from.address)) continue;
      // RFC 8945 §5.3: to a signed NOTIFY, only a reply signed with the key and chained to our MAC is an answer;
      // another one (unsigned, a bad MAC, an unsigned BADKEY/BADSIG) could come from anyone: as no reply, so retried.
      const v = p.key ? verifyResponse(msg, r.tsig, p.key, p.macs, Math.floor(Date.now() / 1000)) : undefined;
      if (v && !v.ok) {
        p.unverified = `${v.why} (rcode ${r.rcode})`;
        this.log.debug({ zone: p.zone, target: fmtTarget(p.target), why: p.unverified }, 'notify reply not verified');
        return;
      }
      clearTimeout(p.timer);
      this.pending.delete(k);
      const entry = { zone: p.zone, serial: p.serial, target: fmtTarget(p.target), tries: p.tries, ms: Math.round(performance.now() - p.started) };
      // An error reply (REFUSED when it does not take NOTIFY from us; signed, when we signed) is an
      // answer too: retrying would earn the same one.
      if (r.rcode === 0) this.log.info(entry, 'notify acknowledged');
      else this.log.warn({ ...entry, rcode: r.rcode, ...tsigDetail(r.tsig) }, 'notify answered with an error');
      this.o.onOutcome?.(r.rcode === 0 ? 'acknowledged' : 'error');
      return;
    }
  }
}

/** A verified TSIG error (BADTIME, BADTRUNC) and, for BADTIME, the secondary's time (RFC 8945 §5.4.3: log it). */
function tsigDetail(t: TsigRecord | undefined): { tsigError?: string; theirTime?: number } {
  if (!t?.error) return {};
  return { tsigError: tsigErrorText(t.error), ...(t.other.length === 6 ? { theirTime: t.other.readUIntBE(0, 6) } : {}) };
}

function sameHost(a: string, b: string): boolean {
  const strip = (s: string) => s.toLowerCase().replace(/^::ffff:/, '');
  return strip(a) === strip(b);
}
