/**
 * TSIG on our replies (RFC 8945 §5.3): once a request's TSIG has been
 * checked (§5.2, src/wire/tsig.ts), every reply to it carries a TSIG. A
 * request that verified gets its reply signed with the same key, whatever
 * the reply is (an answer, NXDOMAIN, REFUSED, NOTAUTH, NOTIMP, FORMERR,
 * BADVERS, a truncated answer, each message of a transfer); one that did
 * not gets NOTAUTH with the TSIG error, signed only where §5.3.2 says so.
 */
import { appendRR, signMessage, timeOther, TSIG_ERROR, unsignedError, type TsigKey, type TsigRecord, type Verdict } from '../wire/tsig.js';

/** A verified TSIG: the reply is signed with its key, chained to its MAC. */
export interface Signer { key: TsigKey; mac: Buffer; originalId: number; now: number }

/** §5.3: the reply's TSIG covers the request's MAC, the reply and the TSIG variables. */
export function signReply(msg: Buffer, s: Signer): Buffer {
  return appendRR(msg, signMessage(msg, { key: s.key, originalId: s.originalId, time: s.now, prior: s.mac }).rr);
}

/**
 * §5.3.1: each message of a transfer signed, the first chained to the
 * request's MAC with every variable, each later one to the previous MAC
 * with the timers only.
 */
export function signingChain(signer: Signer | undefined): (msg: Buffer) => Buffer {
  if (!signer) return (m) => m;
  let prior = signer.mac;
  let first = true;
  return (msg) => {
    const { rr, mac } = signMessage(msg, { key: signer.key, originalId: signer.originalId, time: Math.floor(Date.now() / 1000), prior, timersOnly: !first });
    prior = mac;
    first = false;
    return appendRR(msg, rr);
  };
}

type Failed = Exclude<Verdict, { ok: true } | { formerr: true }>;

/**
 * The TSIG of a NOTAUTH (`base`, made by the responder) for a request whose
 * check failed (§5.3.2). BADKEY and BADSIG: unsigned (an empty MAC), since
 * nothing the client could verify it with was agreed. BADTIME and BADTRUNC
 * (the request's MAC verified): signed, chained to the request's MAC; for
 * BADTIME the request's Time Signed and Fudge are kept and our time is the
 * 6 octets of Other Data (§5.2.3), so the client can verify it whatever
 * its clock says. `v` undefined: there was no message to check (BADSIG).
 */
export function tsigErrorReply(base: Buffer, t: TsigRecord, v: Failed | undefined, now: number): Buffer {
  if (!v || !v.signed) return appendRR(base, unsignedError(t, v ? v.error : TSIG_ERROR.BADSIG, now));
  const time = v.error === TSIG_ERROR.BADTIME ? { time: t.timeSigned, fudge: t.fudge, other: timeOther(now) } : { time: now };
  return appendRR(base, signMessage(base, { key: v.key, originalId: t.originalId, error: v.error, prior: v.mac, ...time }).rr);
}
