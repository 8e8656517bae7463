/** Registry values from the IANA DNS parameters (RFC 1035, 3596, 6891, ...). */

export const TYPE = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, HINFO: 13, MX: 15, TXT: 16, RP: 17, AFSDB: 18,
  AAAA: 28, LOC: 29, SRV: 33, NAPTR: 35, KX: 36, CERT: 37, DNAME: 39, OPT: 41, DS: 43,
  SSHFP: 44, RRSIG: 46, NSEC: 47, DNSKEY: 48, NSEC3: 50, NSEC3PARAM: 51, TLSA: 52,
  SMIMEA: 53, CDS: 59, CDNSKEY: 60, OPENPGPKEY: 61, CSYNC: 62, ZONEMD: 63, SVCB: 64,
  HTTPS: 65, SPF: 99, TSIG: 250, IXFR: 251, AXFR: 252, MAILB: 253, MAILA: 254, ANY: 255, URI: 256,
  CAA: 257,
} as const;

export const CLASS = { IN: 1, CS: 2, CH: 3, HS: 4, NONE: 254, ANY: 255 } as const;

/** EDNS option codes (IANA "DNS EDNS0 Option Codes"). */
export const EDNS_OPTION = {
  /** RFC 7873: DNS cookies. */
  COOKIE: 10,
  /** RFC 7828: edns-tcp-keepalive. */
  TCP_KEEPALIVE: 11,
  /** RFC 8914: Extended DNS Error. */
  EDE: 15,
} as const;

export const RCODE = {
  NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, NOTAUTH: 9, BADVERS: 16,
} as const;

export const OPCODE = { QUERY: 0, IQUERY: 1, STATUS: 2, NOTIFY: 4, UPDATE: 5 } as const;

/** Header flag bits (RFC 1035 §4.1.1; CD: RFC 4035 §3.2.2). */
/** Header flag bits (RFC 1035 §4.1.1, RFC 4035 §3.1.6); OPCODE is the opcode's four bits. */
export const FLAG = { QR: 0x8000, OPCODE: 0x7800, AA: 0x0400, TC: 0x0200, RD: 0x0100, RA: 0x0080, CD: 0x0010 } as const;

const typeByNumber = new Map<number, string>(Object.entries(TYPE).map(([k, v]) => [v, k]));
const classByNumber = new Map<number, string>(Object.entries(CLASS).map(([k, v]) => [v, k]));

/** RFC 3597 §5: unknown types are written TYPEnnn. */
export function typeToText(t: number): string {
  return typeByNumber.get(t) ?? `TYPE${t}`;
}

export function typeFromText(s: string): number | undefined {
  const u = s.toUpperCase();
  const known = (TYPE as Record<string, number>)[u];
  if (known !== undefined) return known;
  const m = /^TYPE([0-9]{1,5})$/.exec(u);
  if (m && Number(m[1]) <= 65535) return Number(m[1]);
  return undefined;
}

export function classToText(c: number): string {
  return classByNumber.get(c) ?? `CLASS${c}`;
}

export function classFromText(s: string): number | undefined {
  const u = s.toUpperCase();
  const known = (CLASS as Record<string, number>)[u];
  if (known !== undefined) return known;
  const m = /^CLASS([0-9]{1,5})$/.exec(u);
  if (m && Number(m[1]) <= 65535) return Number(m[1]);
  return undefined;
}

/** Meta-types never stored in a zone (RFC 6895 §3.1). */
export function isMetaType(t: number): boolean {
  return t === TYPE.OPT || (t >= 128 && t <= 255);
}
