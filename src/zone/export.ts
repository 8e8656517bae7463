/** A snapshot as an RFC 1035 §5 master file that NSD, BIND and Knot load. */
import { nameToText } from '../util/name.js';
import { classToText, typeToText } from '../wire/constants.js';
import { rdataToText } from '../wire/rdata.js';
import type { Zone } from './zone.js';

export interface ExportOptions {
  /** Add `; file:line helper` comments naming where each RRset came from. */
  annotate?: boolean;
}

export function exportZone(zone: Zone, opts: ExportOptions = {}): string {
  const lines: string[] = [`$ORIGIN ${nameToText(zone.origin)}`];
  for (const rs of zone.walk()) {
    if (opts.annotate && rs.sources.length) {
      lines.push(`; ${rs.sources.map((s) => `${s.file}:${s.line} ${s.helper}`).join(', ')}`);
    }
    const owner = nameToText(rs.owner);
    for (const rd of rs.rdatas) {
      lines.push(`${owner}\t${rs.ttl}\t${classToText(rs.klass)}\t${typeToText(rs.type)}\t${rdataToText(rs.type, rd.wire)}`);
    }
  }
  return lines.join('\n') + '\n';
}
