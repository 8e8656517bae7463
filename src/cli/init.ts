/**
 * `mailns init DOMAIN --mail-ip ADDR`: a commented starter zone for a
 * self-hoster (this host is the mail server and, by default, the
 * nameserver), a DKIM key made on the spot by `dkim keygen`'s code, and the
 * steps that happen outside the zone: PTRs at the ISP, NS and glue at the
 * registrar, the MTA-STS policy over HTTPS.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nameToText, parseZoneName } from '../util/name.js';
import { reverseLabels } from '../synth/reverse/network.js';
import { addressToBigint, formatAddress } from '../wire/address.js';
import { usageOf } from './args.js';
import { keygen, type Keygen } from './dkim.js';
import { starterZone, type StarterZone } from './init-zone.js';

type Values = Record<string, string | boolean | string[] | undefined>;
/** The choices from the command line; the key's paths come when keygen has made it. */
type Plan = Omit<StarterZone, 'keyFile' | 'privatePath'>;

class InitUsage extends Error {}

/** RFC 1123 §2.1 host name labels: letters, digits and inner hyphens (a mail domain has no underscores). */
const LDH = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A host name as `--ns` or DOMAIN take it: absolute, trailing dot optional, at least two LDH labels, IDN to its A-labels. */
function hostName(text: string, what: string): string[] {
  let labels: string[];
  try {
    labels = parseZoneName(text).map((l) => l.toLowerCase());
  } catch (e) {
    throw new InitUsage(`${what} "${text}": ${(e as Error).message}`);
  }
  const bad = labels.find((l) => !LDH.test(l));
  if (bad !== undefined) throw new InitUsage(`${what} "${text}": "${bad}" is not a host name label (letters, digits and inner hyphens, RFC 1123 §2.1)`);
  if (labels.length < 2) throw new InitUsage(`${what} "${text}": a domain has at least two labels (example.org)`);
  if (/^[0-9]+$/.test(labels.at(-1)!)) throw new InitUsage(`${what} "${text}": an address is not a name`);
  return labels;
}

/** The relative name of `labels` inside `domain`, or undefined when it is outside (or the domain itself). */
function inside(labels: string[], domain: string[]): string | undefined {
  if (labels.length <= domain.length) return undefined;
  const tail = labels.slice(labels.length - domain.length);
  return tail.join('.') === domain.join('.') ? labels.slice(0, labels.length - domain.length).join('.') : undefined;
}

function address(v: Values, flag: 'mail-ip' | 'mail-ipv6'): string | undefined {
  const text = v[flag] as string | undefined;
  if (text === undefined) return undefined;
  const family = flag === 'mail-ip' ? 4 : 6;
  // A zone index (fe80::1%eth0) is local to this host: no record can carry it.
  if (family === 4 ? !isIPv4(text) : !isIPv6(text) || text.includes('%')) {
    const hint = family === 4 && isIPv6(text) ? ': give an IPv6 address with --mail-ipv6' : family === 6 && isIPv4(text) ? ': give an IPv4 address with --mail-ip' : '';
    throw new InitUsage(`--${flag} ${text}: not an IPv${family} address${hint}`);
  }
  const value = addressToBigint(text)!.value;
  if (family === 6 && value >> 32n === 0xffffn) throw new InitUsage(`--mail-ipv6 ${text}: an IPv4-mapped address (RFC 4291 §2.5.5.2): give the IPv4 address with --mail-ip`);
  // One spelling everywhere (RFC 5952 for IPv6: lower case, longest zero run as ::).
  return formatAddress(family, value);
}

/** Addresses the Internet cannot reach: a receiver never connects to them, and no ISP publishes their PTR. */
const NOT_PUBLIC = new BlockList();
for (const [net, bits] of [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['0.0.0.0', 8]] as const) NOT_PUBLIC.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['fc00::', 7], ['fe80::', 10], ['::1', 128], ['::', 128]] as const) NOT_PUBLIC.addSubnet(net, bits, 'ipv6');

/** A report address: mailbox@domain (mailto: optional), kept to what needs no quoting in YAML or a DMARC URI. */
function mailbox(text: string): string {
  const m = /^(?:mailto:)?([A-Za-z0-9._+-]+)@(.+)$/i.exec(text);
  if (!m) throw new InitUsage(`--report ${text}: expected an address, e.g. dmarc@example.org`);
  return `${m[1]}@${hostName(m[2]!, '--report').join('.')}`;
}

/** The month's selector, s202612: RFC 6376 §3.1 lets keys coexist by selector, so each new key gets a new, dated one. */
export function monthSelector(d: Date): string {
  return `s${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function runInit(positionals: string[], v: Values): number {
  const usage = usageOf('init');
  let z: Plan;
  try {
    z = plan(positionals, v);
  } catch (e) {
    if (!(e instanceof InitUsage)) throw e;
    console.error(`mailns init: ${e.message}\n\n${usage}`);
    return 2;
  }
  const file = join(z.zoneDir, `${z.domain}.yaml`);
  // Both spellings: the loader reads .yml too, and two files for one zone collide.
  const existing = [file, join(z.zoneDir, `${z.domain}.yml`)].find((f) => existsSync(f));
  if (existing && v.force !== true) {
    console.error(`mailns init: ${existing} exists; edit it, or pass --force to replace it with a new starter zone (and a new DKIM key)`);
    return 1;
  }
  for (const a of [z.ipv4, z.ipv6]) {
    if (a && NOT_PUBLIC.check(a, isIPv4(a) ? 'ipv4' : 'ipv6')) console.error(`warning: ${a} is not a public address: other mail servers cannot reach it. Give the address the Internet sees (behind NAT, the router's public address, forwarding ports 25, 465, 587, 993 and 53)`);
  }
  let k: Keygen;
  try {
    k = keygen({
      zone: z.domain, selector: z.selector, type: 'rsa', bits: 2048, zoneDir: z.zoneDir,
      dir: join(z.zoneDir, 'keys'), privateDir: (v['private-dir'] as string | undefined) ?? 'keys.private', force: v.force === true,
    });
    mkdirSync(z.zoneDir, { recursive: true });
    // key_file is relative to the zone file, as keygen prints it.
    writeFileSync(file, starterZone({ ...z, keyFile: relative(z.zoneDir, k.publicPath), privatePath: k.privatePath, schema: schemaFrom(z.zoneDir) }));
  } catch (e) {
    console.error(`mailns init: ${(e as Error).message}`);
    return 1;
  }
  for (const w of k.warnings) console.error(w);
  console.log(nextSteps(z, file, k));
  return 0;
}

/** The validated choices; throws InitUsage for what the command line got wrong. */
function plan(positionals: string[], v: Values): Plan {
  if (positionals.length === 0) throw new InitUsage('missing DOMAIN');
  const domain = hostName(positionals[0]!, 'DOMAIN');
  const d = domain.join('.');
  if (v['mail-ip'] === undefined) throw new InitUsage('--mail-ip is needed: the public IPv4 address of the mail server');
  const ipv4 = address(v, 'mail-ip')!;
  const ipv6 = address(v, 'mail-ipv6');
  // --mail-host: a name below the domain, relative (mail) or in full (mail.example.org).
  const hostText = ((v['mail-host'] as string | undefined) ?? 'mail').replace(/\.$/, '').toLowerCase();
  const hostLabels = hostText.includes('.') ? hostName(hostText, '--mail-host') : [hostText, ...domain];
  const mailHost = inside(hostLabels, domain);
  if (mailHost === undefined || !mailHost.split('.').every((l) => LDH.test(l))) {
    throw new InitUsage(`--mail-host ${hostText}: a host name below ${d} (mail, or mail.${d}), so that the zone can give it its addresses`);
  }
  const given = (v.ns as string[] | undefined) ?? [];
  const nsLabels = given.length ? given.map((n) => hostName(n, '--ns')) : [['ns1', ...domain]];
  const nameservers = [...new Set(nsLabels.map((l) => nameToText(l)))];
  const ownNameservers: string[] = [];
  for (const l of nsLabels) {
    if (l.join('.') === d) throw new InitUsage(`--ns ${d}: name a host below the domain (ns1.${d}) or elsewhere, not the domain itself`);
    const rel = inside(l, domain);
    if (rel !== undefined && !ownNameservers.includes(rel)) ownNameservers.push(rel);
  }
  const report = v.report as string | undefined;
  const zoneDir = (v['zone-dir'] as string | undefined) ?? 'zones';
  const now = new Date();
  return {
    domain: d, mailHost, ipv4, ipv6, nameservers, ownNameservers, defaultNameservers: given.length === 0,
    dmarcReport: report ? mailbox(report) : `dmarc-reports@${d}`,
    tlsReport: report ? mailbox(report) : `tls-reports@${d}`,
    selector: monthSelector(now), zoneDir,
    date: now.toISOString().slice(0, 10),
  };
}

/** The reverse name of an address (RFC 1035 §3.5, RFC 3596 §2.5). */
export function reverseName(addr: string): string {
  const a = addressToBigint(addr)!;
  return nameToText(reverseLabels(a.family, a.value));
}

function nextSteps(z: Plan, file: string, k: Keygen): string {
  const d = z.domain;
  const mail = `${z.mailHost}.${d}.`;
  const addrs = [z.ipv4, ...(z.ipv6 ? [z.ipv6] : [])];
  const glue = z.ownNameservers.flatMap((rel) => addrs.map((a) => `     ${rel}.${d}. ${isIPv4(a) ? 'A' : 'AAAA'} ${a}`));
  const ours = (a: string) => { const at = a.slice(a.indexOf('@') + 1); return at === d || at.endsWith(`.${d}`); };
  const mailboxes = [...new Set([`hostmaster@${d}`, z.dmarcReport, z.tlsReport])].filter(ours);
  const reportDomain = z.dmarcReport.slice(z.dmarcReport.indexOf('@') + 1);
  const lines = [
    `wrote ${file}`,
    `DKIM key, selector ${z.selector}:`,
    `  private key (for the mail server, mode 0600): ${k.privatePath}`,
    `  public key (for the zone): ${k.publicPath}`,
    '',
    'next steps:',
    `1. Ask the ISP (or hosting provider) of each address for its PTR record: receivers`,
    `   reject or mark mail from an address whose reverse name does not lead back to it`,
    `   (forward-confirmed reverse DNS, RFC 8601 §2.7.3). The PTR must name ${mail}`,
    `   and your mail server must greet with that name (HELO/EHLO):`,
    ...addrs.map((a) => `     ${reverseName(a)} PTR ${mail}`),
    `2. At the registrar of ${d}, set the nameservers${glue.length ? ' and the glue (the addresses of nameservers inside the domain, RFC 1034 §4.2.1)' : ''}:`,
    ...z.nameservers.map((n) => `     ${d}. NS ${n}`),
    ...glue,
    ...(z.nameservers.length < 2 ? [
      `   Most registries want two nameservers or more, on different networks (RFC 2182 §5):`,
      `   add a second one (a secondary that copies this zone) to nameservers: in the zone and at the registrar.`,
    ] : []),
    '3. DNSSEC: mailns does not sign zones yet, so there is no DS record to give the',
    '   registrar; leave DNSSEC off there. The DS comes once mailns signs.',
    `4. Serve the MTA-STS policy at https://mta-sts.${d}/.well-known/mta-sts.txt (RFC 8461 §3.3;`,
    `   mta-sts.${d} is an alias of ${mail}, so its certificate must cover that name):`,
    `     mailns export ${z.zoneDir} --mta-sts ${d} > mta-sts.txt`,
    `5. Give the DKIM signer of the mail server the selector ${z.selector} and the key ${k.privatePath};`,
    '   keep it private (never in version control).',
    `6. Make mailboxes (or aliases) for ${mailboxes.join(', ')}.`,
    ...(ours(z.dmarcReport) ? [] : [
      `   DMARC reports go to ${reportDomain}: it must publish ${d}._report._dmarc.${reportDomain}. TXT "v=DMARC1" (RFC 7489 §7.1).`,
    ]),
    '7. Check the zone, then serve it (port 53 needs root or CAP_NET_BIND_SERVICE):',
    `     mailns check ${z.zoneDir}`,
    `     mailns serve ${z.zoneDir} --listen 0.0.0.0:53 --listen [::]:53`,
  ];
  return lines.join('\n');
}

/**
 * The schema this mailns validates with, as a path from the zone directory,
 * for the yaml-language-server modeline (editors show each key's description):
 * the checkout's or package's schema/, else the copy the build put in dist/.
 */
function schemaFrom(zoneDir: string): string | undefined {
  for (const at of ['../../../schema/zone.schema.json', '../../schema/zone.schema.json']) {
    const path = fileURLToPath(new URL(at, import.meta.url));
    if (!existsSync(path)) continue;
    // Relative while it stays near (the zones of a checkout, or of a directory beside it); absolute otherwise.
    const rel = relative(resolve(zoneDir), path).split(sep);
    return rel.filter((p) => p === '..').length <= 2 ? rel.join('/') : path;
  }
  return undefined;
}
