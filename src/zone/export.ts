/** A snapshot as an RFC 1035 §5 master file that NSD, BIND and Knot load. */
import { nameToText } from '../util/name.js';
import { classToText, typeToText } from '../wire/constants.js';
import { rdataToText } from '../wire/rdata.js';
import type { Rdata } from '../wire/rdata.js';
import type { RRset, Source } from '../wire/rrset.js';
import { PUBLISH_LIMIT, type Zone } from './zone.js';

export interface ExportOptions {
  /** Add `; file:line helper` comments naming where each RRset came from. */
  annotate?: boolean;
}

/** One record as `export` prints it (owner, TTL, class, type, RDATA; tab-separated): `diff` prints the same. */
export function recordLine(rs: RRset, rd: Rdata): string {
  return `${nameToText(rs.owner)}\t${rs.ttl}\t${classToText(rs.klass)}\t${typeToText(rs.type)}\t${rdataToText(rs.type, rd.wire)}`;
}

function origin(s: Source | undefined): string {
  return s ? `${s.file}:${s.line} ${s.helper}` : '?';
}

/**
 * The zone as a secondary would receive it by AXFR (Zone.published): the
 * stored records and the generic names as records. When a generic network is
 * too large to list, only the stored records are printed, after a comment
 * saying what is left out (the zone is not transferable then either).
 */
export function exportZone(zone: Zone, opts: ExportOptions = {}): string {
  const lines: string[] = [`$ORIGIN ${nameToText(zone.origin)}`];
  const tooMany = zone.unpublishable();
  for (const s of tooMany) lines.push(`; not listed: the ${s.size()} ${s.description}, answered on query (more than ${PUBLISH_LIMIT} cannot be transferred)`);
  for (const rs of zone.listed()) {
    rs.rdatas.forEach((rd, i) => {
      if (opts.annotate) lines.push(`; ${origin(rs.sources[i])}`);
      lines.push(recordLine(rs, rd));
    });
  }
  return lines.join('\n') + '\n';
}

/** `mailns explain`: each record, then where it came from (file:line and helper). */
export function explainZone(zone: Zone): string {
  const lines: string[] = [`; zone ${nameToText(zone.origin)}`];
  for (const rs of zone.walk()) {
    // The owner as written, where its letter case differs from the (lower-cased) name served.
    const written = rs.written ? ` (written ${nameToText(rs.written)})` : '';
    rs.rdatas.forEach((rd, i) => lines.push(`${recordLine(rs, rd)}\n    <- ${origin(rs.sources[i])}${written}`));
  }
  return lines.join('\n') + '\n';
}
