/**
 * SVCB and HTTPS presentation form → wire RDATA (RFC 9460 §2.1, §2.2, §7),
 * for `mailns import` to carry them over as RFC 3597 generic data. Part of
 * ./import-generic.ts.
 */
import { charStringOctets } from '../wire/text.js';
import { type Tokens, ipv4Bytes, ipv6Bytes, u16 } from './import-tokens.js';

/** RFC 9460 §14.3.2, RFC 9461 §5 (dohpath), RFC 9540 §4 (ohttp). */
const KEYS: Record<string, number> = {
  mandatory: 0, alpn: 1, 'no-default-alpn': 2, port: 3, ipv4hint: 4, ech: 5, ipv6hint: 6, dohpath: 7, ohttp: 8,
};

/** `keyNNNN` or a mnemonic → the key number, or undefined. */
function keyNumber(s: string): number | undefined {
  const m = /^key([0-9]{1,5})$/.exec(s);
  if (m) return Number(m[1]) <= 65535 ? Number(m[1]) : undefined;
  return KEYS[s];
}

/**
 * RFC 9460 Appendix A.1: a value-list is a char-string whose decoded octets
 * are split at commas, with `\,` and `\\` standing for a comma and a
 * backslash inside an item.
 */
function valueList(octets: Buffer): Buffer[] {
  const items: number[][] = [[]];
  for (let i = 0; i < octets.length; i++) {
    const c = octets[i]!;
    if (c === 0x5c && i + 1 < octets.length) items[items.length - 1]!.push(octets[++i]!);
    else if (c === 0x2c) items.push([]);
    else items[items.length - 1]!.push(c);
  }
  return items.map((b) => Buffer.from(b));
}

/** One SvcParamValue (RFC 9460 §7, §14.3.2) → wire, or an error message. */
function paramValue(key: number, name: string, raw: string | undefined): Buffer | string {
  const octets = raw === undefined ? Buffer.alloc(0) : charStringOctets(raw);
  const text = octets.toString('latin1');
  const needValue = (): string => `${name} needs a value`;
  switch (key) {
    case 0: { // mandatory: keys, ascending, no repeats (RFC 9460 §8)
      if (!octets.length) return needValue();
      const keys: number[] = [];
      for (const k of text.split(',')) {
        const n = keyNumber(k);
        if (n === undefined) return `mandatory: "${k}" is not a SvcParamKey`;
        if (n === 0) return 'mandatory cannot list "mandatory" (RFC 9460 §8)';
        if (keys.includes(n)) return `mandatory lists "${k}" twice (RFC 9460 §8)`;
        keys.push(n);
      }
      return Buffer.concat(keys.sort((a, b) => a - b).map(u16));
    }
    case 1: { // alpn: length-prefixed protocol ids (RFC 9460 §7.1.1)
      if (!octets.length) return needValue();
      const ids = valueList(octets);
      const bad = ids.find((b) => b.length === 0 || b.length > 255);
      if (bad) return `alpn: an empty or over-long protocol id (RFC 9460 §7.1.1)`;
      return Buffer.concat(ids.flatMap((b) => [Buffer.from([b.length]), b]));
    }
    case 2: case 8: // no-default-alpn, ohttp: no value
      return octets.length ? `${name} takes no value` : octets;
    case 3: // port
      return /^[0-9]+$/.test(text) && Number(text) <= 65535 ? u16(Number(text)) : `port: "${text}" is not 0-65535`;
    case 4: case 6: { // ipv4hint, ipv6hint: one or more addresses (RFC 9460 §7.3)
      if (!octets.length) return needValue();
      const out: Buffer[] = [];
      for (const a of text.split(',')) {
        const b = key === 4 ? ipv4Bytes(a) : ipv6Bytes(a);
        if (!b) return `${name}: "${a}" is not an IPv${key === 4 ? 4 : 6} address`;
        out.push(b);
      }
      return Buffer.concat(out);
    }
    case 5: // ech: an ECHConfigList in base64 (RFC 9460 §7.3)
      if (!/^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text) || !octets.length) return `ech: "${text.slice(0, 40)}" is not base64`;
      return Buffer.from(text, 'base64');
    case 7: // dohpath: a URI template, as written (RFC 9461 §5)
      return octets;
    default: // keyNNNN: the value's octets (RFC 9460 §2.1)
      return octets;
  }
}

/** SvcPriority TargetName SvcParams... (RFC 9460 §2.1), params sorted by key on the wire (§2.2). */
export function encodeSvcb(t: Tokens): Buffer {
  const priority = t.int('SvcPriority', 65535);
  const target = t.name('TargetName');
  const params = new Map<number, { value: Buffer; token: number }>();
  while (!t.done) {
    const at = t.i;
    const tok = t.next('SvcParam');
    const eq = tok.indexOf('=');
    const name = (eq < 0 ? tok : tok.slice(0, eq)).toLowerCase();
    const key = keyNumber(name);
    if (key === undefined) t.fail(`"${name}" is not a SvcParamKey: use a name of RFC 9460 §14.3.2 or keyNNNN`, at);
    if (params.has(key)) t.fail(`${name} is given twice (RFC 9460 §2.2)`, at);
    // RFC 9460 §2.1: key=value, the value optionally quoted; `key=` alone is an empty value.
    const v = paramValue(key, name, eq < 0 ? undefined : tok.slice(eq + 1));
    if (typeof v === 'string') t.fail(v, at);
    params.set(key, { value: v, token: at });
  }
  // RFC 9460 §8: every key that mandatory lists is present.
  const mandatory = params.get(0);
  if (mandatory) {
    for (let o = 0; o < mandatory.value.length; o += 2) {
      const k = mandatory.value.readUInt16BE(o);
      if (!params.has(k)) t.fail(`mandatory lists key${k}, which the record does not have (RFC 9460 §8)`, mandatory.token);
    }
  }
  // RFC 9460 §7.1.1: no-default-alpn without alpn is not self-consistent.
  if (params.has(2) && !params.has(1)) t.fail('no-default-alpn needs alpn beside it (RFC 9460 §7.1.1)', params.get(2)!.token);
  const wire = [...params].sort((a, b) => a[0] - b[0]).map(([k, p]) => Buffer.concat([u16(k), u16(p.value.length), p.value]));
  return Buffer.concat([u16(priority), target, ...wire]);
}
