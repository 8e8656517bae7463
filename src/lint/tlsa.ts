/**
 * TLSA for DANE (RFC 6698, RFC 7671 operations, RFC 7672 SMTP): digest
 * lengths, the PKIX usages SMTP ignores, a second record for key rollover,
 * and DNSSEC, without which DANE clients ignore TLSA altogether.
 */
import { nameToText } from '../util/name.js';
import { TYPE } from '../wire/constants.js';
import type { LintModule, RuleInfo } from './rule.js';

const RULES: RuleInfo[] = [
  { id: 'tlsa-length', severity: 'error', rfc: 'RFC 6698 §2.1.3', summary: 'TLSA data is not 32 octets for matching type 1 (SHA-256) or 64 for matching type 2 (SHA-512)' },
  { id: 'tlsa-pkix-smtp', severity: 'warning', rfc: 'RFC 7672 §3.1.3', summary: 'TLSA usage 0 (PKIX-TA) or 1 (PKIX-EE) on port 25: SMTP DANE does not use them' },
  { id: 'tlsa-rollover', severity: 'info', rfc: 'RFC 7671 §8.1', summary: 'one TLSA record for a port and host: publish the next key\'s too before a rollover' },
  { id: 'tlsa-dnssec', severity: 'warning', rfc: 'RFC 7672 §2.2', summary: 'TLSA in a zone that is not DNSSEC-signed is ignored by DANE clients (mailns does not sign yet)' },
];

/** RFC 6698 §2.1.3: octets of the digest for each matching type. */
const DIGEST_OCTETS: Record<number, { octets: number; name: string }> = { 1: { octets: 32, name: 'SHA-256' }, 2: { octets: 64, name: 'SHA-512' } };

export const tlsaRules: LintModule = {
  rules: RULES,
  run(ctx) {
    for (const rs of ctx.records) {
      if (rs.type !== TYPE.TLSA) continue;
      const owner = nameToText(rs.owner);
      const smtp = rs.owner[0] === '_25' && rs.owner[1]?.toLowerCase() === '_tcp';
      rs.rdatas.forEach((rd, i) => {
        if (rd.wire.length < 3) return; // not TLSA RDATA at all; the codec refuses it
        const usage = rd.wire[0]!, matching = rd.wire[2]!;
        const data = rd.wire.length - 3;
        const want = DIGEST_OCTETS[matching];
        if (want && data !== want.octets) {
          ctx.report('tlsa-length', { rrset: rs, index: i }, `${owner} TLSA matching type ${matching} (${want.name}) needs ${want.octets} octets of data (${want.octets * 2} hex digits), this has ${data}`,
            `publish the ${want.name} digest of the certificate or key: tlsa: {HOST: {cert_file: ...}} computes it`);
        }
        if (smtp && (usage === 0 || usage === 1)) {
          ctx.report('tlsa-pkix-smtp', { rrset: rs, index: i }, `${owner} TLSA usage ${usage} (${usage === 0 ? 'PKIX-TA' : 'PKIX-EE'}) on port 25: SMTP clients doing DANE treat it as unusable`,
            'use usage 3 (DANE-EE, the default of tlsa:) or 2 (DANE-TA)');
        }
      });
      if (rs.rdatas.length === 1) {
        ctx.report('tlsa-rollover', { rrset: rs }, `${owner} has one TLSA record: when the key or certificate changes, clients holding the old RRset fail until its TTL runs out`,
          'publish the next key\'s record beside the current one before switching ("current + next"): under tlsa: HOST: add records: [{data: ...}], or key_file: of the next key beside cert_file:');
      }
      ctx.report('tlsa-dnssec', { rrset: rs }, `${owner} TLSA is served from a zone that is not DNSSEC-signed; DANE clients only use validated TLSA, so they ignore it`,
        'mailns does not sign zones yet: keep it for when signing comes, or add tlsa-dnssec to lint.ignore with the reason');
    }
  },
};
