/**
 * The query mixes of the benchmarks, as dnsperf reads them ("name TYPE" a
 * line): the names a mail domain is asked for, and random names.
 */

export function repeatedQueries(): string {
  // A mix a mail domain sees: addresses, MX, TXT (SPF, DKIM), misses, wildcard, CNAME.
  return [
    'example.com A', 'example.com MX', 'example.com TXT', 'mail.example.com A', 'mail.example.com AAAA',
    'www.example.com A', 'rsa2026._domainkey.example.com TXT', 'nope.example.com A', '_domainkey.example.com TXT',
    'x.lab.example.com A', 'webmail.example.com A', '_submissions._tcp.example.com SRV', 'example.com SOA',
    'host.sub.example.com A', 'example.com NS',
  ].join('\n') + '\n';
}

/** Random labels from a fixed seed (xorshift32), so every run asks the same names. */
export function randomQueries(count = 100_000): string {
  let x = 0x2545f491;
  const next = (): number => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
  const label = (): string => { let l = ''; for (let n = 6 + (next() % 10); n > 0; n--) l += 'abcdefghijklmnopqrstuvwxyz0123456789'[next() % 36]; return l; };
  // NXDOMAIN in two zones, A from the *.lab wildcard, NODATA under it, an MX miss.
  const shapes = [(l: string) => `${l}.example.com A`, (l: string) => `${l}.lab.example.com A`, (l: string) => `${l}.lab.example.com MX`,
    (l: string) => `${l}.example.com MX`, (l: string) => `${l}.example.org AAAA`];
  const seen = new Set<string>();
  const lines: string[] = [];
  while (lines.length < count) {
    const q = shapes[lines.length % shapes.length]!(label());
    if (seen.has(q)) continue;
    seen.add(q);
    lines.push(q);
  }
  return lines.join('\n') + '\n';
}
