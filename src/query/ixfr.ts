/**
 * Incremental zone transfer out (RFC 1995): what an IXFR request gets, from
 * the zone served and the journal of its changes (kept by the server,
 * src/server/journal.ts), and the records of the reply in order. Pure: the
 * responder writes the messages (src/query/transfer.ts) and signs them.
 */
import type { DecodedQuery } from '../wire/decode.js';
import { nameEquals } from '../util/name.js';
import type { RR } from '../zone/diff.js';
import { serialGreater, serialOf } from '../zone/serial.js';
import type { Zone } from '../zone/zone.js';
import { xfrMessages } from './transfer.js';

/**
 * One change of a zone, from the copy whose SOA is `oldSoa` to the next,
 * whose SOA is `newSoa`: the records deleted and the records added, the
 * SOA left out of both (RFC 1995 §4: the SOAs frame the two sequences).
 */
export interface ZoneChange {
  oldSoa: RR;
  newSoa: RR;
  removed: readonly RR[];
  added: readonly RR[];
}

/** The journal as the responder reads it: a zone's changes, oldest first, the last ending at the serial served (or undefined). */
export type JournalLookup = (zone: Zone) => readonly ZoneChange[] | undefined;

export type IxfrPlan =
  /** RFC 1995 §2: the client's serial is ours, or newer: our SOA alone. */
  | { kind: 'current' }
  /** The changes from the client's serial to ours. */
  | { kind: 'incremental'; from: number; changes: readonly ZoneChange[] }
  /** RFC 1995 §4: the journal cannot answer; the whole zone, as AXFR would send it. */
  | { kind: 'full'; why: string };

const soaSerial = (rr: RR) => serialOf(rr.rrset);

/**
 * The client's serial: from the SOA of the request's authority section
 * (RFC 1995 §3), when it is the zone's own; a request without one cannot be
 * answered incrementally, so it gets the whole zone.
 */
export function clientSerial(q: DecodedQuery, zone: Zone): number | undefined {
  const soa = q.clientSoa;
  return soa && nameEquals(soa.owner, zone.origin) ? soa.serial : undefined;
}

/** How to answer an IXFR request from a client holding `client` (undefined: not known). */
export function ixfrPlan(zone: Zone, client: number | undefined, journal: readonly ZoneChange[] | undefined): IxfrPlan {
  const ours = serialOf(zone.soa);
  if (client === undefined) return { kind: 'full', why: 'the request carries no SOA of the zone' };
  // RFC 1982 §3.2 comparison: a client at our serial, or ahead of it, needs nothing from us.
  if (client === ours || serialGreater(client, ours)) return { kind: 'current' };
  const last = journal?.at(-1);
  if (!journal || !last || soaSerial(last.newSoa) !== ours) return { kind: 'full', why: `no journal of the zone up to serial ${ours}` };
  const i = journal.findIndex((c) => soaSerial(c.oldSoa) === client);
  if (i < 0) return { kind: 'full', why: `the journal does not reach back to serial ${client} (it starts at ${soaSerial(journal[0]!.oldSoa)})` };
  return { kind: 'incremental', from: client, changes: journal.slice(i) };
}

/**
 * RFC 1995 §4: the records of an incremental reply: our SOA, then for each
 * change the old SOA, the records deleted, the new SOA and the records
 * added, and our SOA again.
 */
export function* ixfrRecords(zone: Zone, changes: readonly ZoneChange[]): Generator<RR> {
  const soa: RR = { rrset: zone.soa, rdata: zone.soa.rdatas[0]! };
  yield soa;
  for (const c of changes) {
    yield c.oldSoa;
    yield* c.removed;
    yield c.newSoa;
    yield* c.added;
  }
  yield soa;
}

/**
 * RFC 1995 §2: over UDP, the incremental reply if it fits in one message
 * of `limit` octets, else undefined (the caller sends our SOA alone, and
 * the client asks again over TCP).
 */
export function ixfrDatagram(zone: Zone, changes: readonly ZoneChange[], q: DecodedQuery, limit: number): Buffer | undefined {
  const messages = xfrMessages(ixfrRecords(zone, changes), q, limit);
  try {
    const first = messages.next();
    if (first.done || !messages.next().done) return undefined;
    return first.value;
  } catch {
    // A record larger than a datagram: the same as a reply that does not fit.
    return undefined;
  }
}
