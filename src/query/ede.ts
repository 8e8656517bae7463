/** Extended DNS Errors (RFC 8914): the codes we send, and the option that carries one. */
import { EDNS_OPTION } from '../wire/constants.js';

/** RFC 8914 §4.19: EDE 18, Prohibited. */
export const EDE_PROHIBITED = 18;
/** RFC 8914 §4.1: EDE 0, Other. */
export const EDE_OTHER = 0;
/** RFC 8914 §4.21: EDE 20, Not Authoritative (a name in no zone we serve). */
export const EDE_NOT_AUTHORITATIVE = 20;
/** RFC 8914 §4.22: EDE 21, Not Supported (an opcode we do not implement). */
export const EDE_NOT_SUPPORTED = 21;

/** An Extended DNS Error option (RFC 8914 §2): INFO-CODE, then EXTRA-TEXT in UTF-8. */
export function ede(code: number, text: string): Buffer {
  const out = Buffer.alloc(6 + Buffer.byteLength(text));
  out.writeUInt16BE(EDNS_OPTION.EDE, 0);
  out.writeUInt16BE(out.length - 4, 2);
  out.writeUInt16BE(code, 4);
  out.write(text, 6, 'utf8');
  return out;
}
