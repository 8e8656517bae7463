/**
 * The reading side shared by the RFC 3597 encoders of ./import-generic.ts and
 * ./import-svcb.ts: a cursor over RDATA tokens that knows which token a
 * failure is about, and the field readers they all use.
 */
import { isIP } from 'node:net';
import { type Name, nameToWire, parseName } from '../util/name.js';
import { ipv6ToBytes } from '../wire/rdata.js';
import { charStringOctets } from '../wire/text.js';

export class EncodeError extends Error {
  /** `token`: index of the RDATA token at fault. */
  constructor(message: string, readonly token: number) { super(message); }
}

/** A cursor over the RDATA tokens that knows which one a failure is about. */
export class Tokens {
  i = 0;
  constructor(readonly list: string[], readonly origin: Name) {}
  get done(): boolean { return this.i >= this.list.length; }
  peek(): string | undefined { return this.list[this.i]; }
  fail(message: string, at = this.i): never { throw new EncodeError(message, Math.min(at, Math.max(this.list.length - 1, 0))); }
  next(what: string): string {
    const t = this.list[this.i];
    if (t === undefined) this.fail(`missing ${what}`);
    this.i++;
    return t;
  }
  /** The rest of the tokens, at least one, joined (base64 and hex may be split by blanks). */
  rest(what: string): string {
    if (this.done) this.fail(`missing ${what}`);
    const s = this.list.slice(this.i).join('');
    this.i = this.list.length;
    return s;
  }
  int(what: string, max: number): number {
    const t = this.next(what);
    if (!/^[0-9]+$/.test(t)) this.fail(`${what}: expected a number, got "${t}"`, this.i - 1);
    const n = Number(t);
    if (n > max) this.fail(`${what}: ${n} is above the maximum ${max}`, this.i - 1);
    return n;
  }
  name(what: string): Buffer {
    const t = this.next(what);
    try { return nameToWire(parseName(t, this.origin)); } catch (e) { return this.fail(`${what}: ${(e as Error).message}`, this.i - 1); }
  }
  /** A <character-string> (RFC 1035 §3.3), with its length octet. */
  charString(what: string): Buffer {
    const b = charStringOctets(this.next(what));
    if (b.length > 255) this.fail(`${what} is ${b.length} octets; a character-string is at most 255 (RFC 1035 §3.3)`, this.i - 1);
    return Buffer.concat([u8(b.length), b]);
  }
  /** Nothing may follow. */
  end(): void { if (!this.done) this.fail(`unexpected "${this.peek()}" after the last field`); }
}

export const u8 = (n: number): Buffer => Buffer.from([n]);
export const u16 = (n: number): Buffer => { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b; };
export const u32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32BE(n >>> 0); return b; };

export function ipv4Bytes(text: string): Buffer | undefined {
  return isIP(text) === 4 ? Buffer.from(text.split('.').map(Number)) : undefined;
}
export function ipv6Bytes(text: string): Buffer | undefined {
  return isIP(text) === 6 ? ipv6ToBytes(text) : undefined;
}

/** Strict base64 (RFC 4648 §4), blanks already removed. */
export function base64(t: Tokens, what: string): Buffer {
  const at = t.i;
  const s = t.rest(what);
  if (!/^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) t.fail(`${what} is not base64`, at);
  return Buffer.from(s, 'base64');
}

