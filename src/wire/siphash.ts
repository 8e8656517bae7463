/**
 * SipHash-2-4 (Aumasson and Bernstein, 2012), the keyed hash of
 * interoperable DNS server cookies (RFC 9018 §4.4): a 16-octet key, any
 * message, an 8-octet result in the reference's byte order. 64-bit words
 * kept as pairs of 32-bit halves, so no BigInt on the answering path.
 */

/** The four words of the state, each as [high, low] halves. */
type State = Uint32Array;

// v0..v3 at 0..7: v0h v0l v1h v1l v2h v2l v3h v3l.
function add(s: State, a: number, b: number): void {
  const lo = (s[a + 1]! + s[b + 1]!) >>> 0;
  s[a] = (s[a]! + s[b]! + (lo < s[a + 1]! ? 1 : 0)) >>> 0;
  s[a + 1] = lo;
}

function rotl(s: State, a: number, n: number): void {
  let h = s[a]!, l = s[a + 1]!;
  if (n >= 32) { const t = h; h = l; l = t; n -= 32; }
  if (n === 0) { s[a] = h; s[a + 1] = l; return; }
  s[a] = ((h << n) | (l >>> (32 - n))) >>> 0;
  s[a + 1] = ((l << n) | (h >>> (32 - n))) >>> 0;
}

function xor(s: State, a: number, b: number): void {
  s[a] = (s[a]! ^ s[b]!) >>> 0;
  s[a + 1] = (s[a + 1]! ^ s[b + 1]!) >>> 0;
}

function swapHalves(s: State, a: number): void {
  const t = s[a]!;
  s[a] = s[a + 1]!;
  s[a + 1] = t;
}

const V0 = 0, V1 = 2, V2 = 4, V3 = 6;

function sipRound(s: State): void {
  add(s, V0, V1); rotl(s, V1, 13); xor(s, V1, V0); swapHalves(s, V0);
  add(s, V2, V3); rotl(s, V3, 16); xor(s, V3, V2);
  add(s, V0, V3); rotl(s, V3, 21); xor(s, V3, V0);
  add(s, V2, V1); rotl(s, V1, 17); xor(s, V1, V2); swapHalves(s, V2);
}

/** SipHash-2-4 of `msg` under `key` (16 octets): 8 octets, little-endian as the reference writes them. */
export function siphash24(key: Uint8Array, msg: Uint8Array): Buffer {
  if (key.length !== 16) throw new RangeError('SipHash needs a 16-octet key');
  const k = Buffer.from(key.buffer, key.byteOffset, 16);
  const k0h = k.readUInt32LE(4), k0l = k.readUInt32LE(0), k1h = k.readUInt32LE(12), k1l = k.readUInt32LE(8);
  // "somepseudorandomlygeneratedbytes"
  const s: State = new Uint32Array([
    (k0h ^ 0x736f6d65) >>> 0, (k0l ^ 0x70736575) >>> 0,
    (k1h ^ 0x646f7261) >>> 0, (k1l ^ 0x6e646f6d) >>> 0,
    (k0h ^ 0x6c796765) >>> 0, (k0l ^ 0x6e657261) >>> 0,
    (k1h ^ 0x74656462) >>> 0, (k1l ^ 0x79746573) >>> 0,
    0, 0,
  ]);
  const M = 8;
  const m = Buffer.from(msg.buffer, msg.byteOffset, msg.length);
  const whole = m.length - (m.length % 8);
  const block = (h: number, l: number) => {
    s[M] = h; s[M + 1] = l;
    xor(s, V3, M);
    sipRound(s); sipRound(s);
    xor(s, V0, M);
  };
  for (let o = 0; o < whole; o += 8) block(m.readUInt32LE(o + 4), m.readUInt32LE(o));
  // The last block: the remaining octets, and the message length (mod 256) in the top octet.
  const last = Buffer.alloc(8);
  m.copy(last, 0, whole);
  last[7] = m.length & 0xff;
  block(last.readUInt32LE(4), last.readUInt32LE(0));
  s[V2 + 1] = (s[V2 + 1]! ^ 0xff) >>> 0;
  sipRound(s); sipRound(s); sipRound(s); sipRound(s);
  const h = (s[V0]! ^ s[V1]! ^ s[V2]! ^ s[V3]!) >>> 0;
  const l = (s[V0 + 1]! ^ s[V1 + 1]! ^ s[V2 + 1]! ^ s[V3 + 1]!) >>> 0;
  const out = Buffer.alloc(8);
  out.writeUInt32LE(l, 0);
  out.writeUInt32LE(h, 4);
  return out;
}
