/**
 * The starter zone `mailns init` writes: YAML for a self-hoster's mail
 * domain, every block with a comment saying what it is for. A pure function
 * of the choices already validated by init.ts; all records come from the
 * `mail:` intent, so the synth makes them as for any zone.
 */

export interface StarterZone {
  /** The domain, lower-case, without the trailing dot. */
  domain: string;
  /** The mail host, relative to the domain (mail). */
  mailHost: string;
  ipv4: string;
  ipv6?: string;
  /** Nameservers, absolute with the trailing dot, as --ns gave them (or ns1.DOMAIN.). */
  nameservers: string[];
  /** The in-zone nameservers, relative: given this host's addresses. */
  ownNameservers: string[];
  /** Whether nameservers is the default (ns1 on this host). */
  defaultNameservers: boolean;
  dmarcReport: string;
  tlsReport: string;
  selector: string;
  /** key_file as the zone names it (relative to the zone directory), and the private key's path. */
  keyFile: string;
  privatePath: string;
  /** Where `mailns export --mta-sts` is pointed: the zone directory. */
  zoneDir: string;
  /** The zone schema, relative to the zone directory, for the editor's modeline. */
  schema?: string;
  date: string;
}

/** A YAML mapping key for a relative host name: plain when it is one simple label, else quoted. */
function key(rel: string): string {
  return /^[a-z0-9-]+$/.test(rel) ? rel : `'${rel}'`;
}

function addresses(z: StarterZone): string {
  return z.ipv6 ? `{ipv4: ${z.ipv4}, ipv6: '${z.ipv6}'` : `{ipv4: ${z.ipv4}`;
}

function nameserverBlock(z: StarterZone): string {
  const few = z.nameservers.length < 2;
  const second = [
    '# The registries of most top-level domains require at least two, on',
    '# different networks, so that the domain still resolves when one is down',
    '# (RFC 1034 §4.1, RFC 2182 §5; `mailns check` warns [ns-count] until then):',
    '# add a second one (a friend\'s server, or a secondary DNS service that',
    '# copies this zone) to this list and at the registrar.',
  ];
  const lines = z.defaultNameservers
    ? ['# The nameservers of the domain (NS records, RFC 1034 §4.2.1): ns1 is this',
      '# server, answering with this file (mailns serve).', ...second]
    : ['# The nameservers of the domain (NS records, RFC 1034 §4.2.1). Each must serve',
      '# this zone: this host with mailns serve, or a secondary that copies it.',
      ...(few ? second : [])];
  return `${lines.join('\n')}\nnameservers: [${z.nameservers.join(', ')}]`;
}

function hostsBlock(z: StarterZone): string {
  const own = z.ownNameservers.filter((n) => n !== z.mailHost);
  const out = [
    'hosts:',
    `  # The mail server${z.ownNameservers.includes(z.mailHost) ? ' (and a nameserver above)' : ''}: MX, SPF, the client SRV records and MTA-STS name it.`,
    ...(own.length ? [
      '  # ptr: primary: when you serve a reverse zone for this address later, its',
      `  # PTR names ${z.mailHost}, not the nameserver that shares the address.`,
      `  ${key(z.mailHost)}: ${addresses(z)}, ptr: primary}`,
      '  # The nameserver(s) in this domain need addresses here (and as glue at the',
      '  # registrar). They are taken to be this machine: change them if not.',
      ...own.map((n) => `  ${key(n)}: ${addresses(z)}}`),
    ] : [`  ${key(z.mailHost)}: ${addresses(z)}}`]),
    '  # The domain itself gets no address: mail finds this server through the MX',
    '  # record, not through the domain\'s own address, and giving the domain the',
    `  # mail server's address would send visitors of https://${z.domain}/ to the`,
    '  # mail server. If this machine also serves the website, uncomment:',
    `  # '': ${addresses(z)}}`,
  ];
  return out.join('\n');
}

export function starterZone(z: StarterZone): string {
  const m = z.mailHost;
  return `${z.schema ? `# yaml-language-server: $schema=${z.schema}\n` : ''}# Starter zone for ${z.domain}, written by \`mailns init\` on ${z.date}: everything a
# mail domain needs, each block saying what it is for. \`mailns check ${z.zoneDir}\`
# validates it; \`mailns explain ${z.domain} ${z.zoneDir}\` lists every record it makes,
# with the line that made it.
zone: ${z.domain}.
defaults:
  # How long resolvers may keep an answer; lower it (5m) while you are still
  # changing things, so mistakes do not linger.
  ttl: 1h
soa:
  # Who runs this zone (an address that reads its mail), and the zone's version:
  # auto moves exactly when what is published changes (the state directory keeps it).
  rname: hostmaster@${z.domain}
  serial: auto

${nameserverBlock(z)}

${hostsBlock(z)}

# What mail needs: mailns turns each entry into the records.
mail:
  # MX (RFC 5321 §5.1): where other servers deliver mail for @${z.domain}. One
  # is enough for a single server: senders queue and retry for days when it is
  # down (RFC 5321 §4.5.4.1).
  mx: [${m}]
  # SPF (RFC 7208): the hosts allowed to send mail from @${z.domain}. mailns
  # writes ${m}'s addresses into the record (ip4:/ip6:), so receivers need no
  # further lookups, and gives ${m} a record of its own for its HELO name.
  # all: fail (-all) says that no other host may send as ${z.domain}.
  spf: {hosts: [${m}], all: fail}
  # DKIM (RFC 6376): the public half of the key your mail server signs with.
  # The private half is ${z.privatePath}: give it to
  # the signer (OpenDKIM, rspamd, ...) with the selector ${z.selector} (the month it was
  # made, so the next key gets a new name). To rotate: \`mailns dkim keygen\`,
  # add the new selector here, switch the signer, and remove this one a week later.
  dkim:
    ${z.selector}: {key_file: ${z.keyFile}}
  # DMARC (RFC 7489): what receivers do with mail from @${z.domain} that
  # passes neither SPF nor DKIM for this domain: quarantine is the spam
  # folder. Daily aggregate reports go to rua; when they show that all your
  # own mail passes, make it p: reject.
  dmarc: {p: quarantine, rua: mailto:${z.dmarcReport}}
  # Client SRV records (RFC 6186, RFC 8314 §5.1): mail programs find the
  # server from the address alone. Submission with TLS (465), with STARTTLS
  # (587) and IMAP with TLS (993) are on ${m}; IMAP without TLS and POP3 are
  # published as not offered (target "."). Change what you run.
  client_srv: {submissions: ${m}, submission: ${m}, imaps: ${m}, imap: off, pop3s: off, pop3: off}
  # MTA-STS (RFC 8461): asks senders to deliver only over TLS with a valid
  # certificate. testing never blocks mail, it only reports (tls_rpt below);
  # once the reports are clean, make it mode: enforce and max_age: 1w or more.
  # Senders fetch the policy from https://mta-sts.${z.domain}/.well-known/mta-sts.txt;
  # host: ${m} makes mta-sts.${z.domain} an alias of ${m}, whose web server needs a
  # certificate for that name. \`mailns export ${z.zoneDir} --mta-sts ${z.domain}\` prints the file.
  mta_sts: {mode: testing, max_age: 1d, host: ${m}}
  # TLS-RPT (RFC 8460): where senders report failed TLS connections, daily.
  tls_rpt: {rua: mailto:${z.tlsReport}}

# Optional: the certificate authorities that may issue for this domain (RFC 8659).
# caa: {issue: [letsencrypt.org], iodef: mailto:hostmaster@${z.domain}}
`;
}
