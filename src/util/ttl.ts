/** TTLs and durations: plain seconds or BIND-style units (1h, 2d, 1w, 1h30m). */

const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** RFC 2181 §8: a TTL is an unsigned 31-bit value. */
export const MAX_TTL = 2147483647;

export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  const s = value.trim().toLowerCase();
  if (/^[0-9]+$/.test(s)) return Number(s);
  const re = /([0-9]+)([smhdw])/g;
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(re)) {
    if (m.index !== consumed) return undefined;
    total += Number(m[1]) * UNIT[m[2]!]!;
    consumed += m[0].length;
  }
  return consumed === s.length && consumed > 0 ? total : undefined;
}
