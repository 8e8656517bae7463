/** CHAOS-class server identification (RFC 4892; BIND's version.bind). */
import { makeRRset } from '../wire/rrset.js';
import { CLASS, TYPE } from '../wire/constants.js';
import { parseRdata } from '../wire/rdata.js';
import { charStringToText, utf8Cut } from '../wire/text.js';
import type { Placed } from './lookup.js';

export interface ChaosConfig {
  /** `false` hides the answer (REFUSED), like NSD's hide-version. */
  version: string | false;
  identity: string | false;
}

export function chaosAnswer(cfg: ChaosConfig, lname: readonly string[], qtype: number): Placed | undefined {
  if (qtype !== TYPE.TXT && qtype !== TYPE.ANY) return undefined;
  // Two real labels: a single label "version.bind" (escaped dot) is another name.
  if (lname.length !== 2) return undefined;
  const key = `${lname[0]}.${lname[1]}`;
  let text: string | false;
  if (key === 'version.bind' || key === 'version.server') text = cfg.version;
  else if (key === 'id.server' || key === 'hostname.bind') text = cfg.identity;
  else return undefined;
  if (text === false) return undefined;
  // One character-string: at most 255 octets, cut between UTF-8 characters (RFC 1035 §3.3).
  const octets = Buffer.from(text, 'utf8');
  const rd = parseRdata(TYPE.TXT, [charStringToText(octets.subarray(0, utf8Cut(octets, 0)))], []);
  return { owner: lname, rrset: makeRRset(lname, TYPE.TXT, CLASS.CH, 0, [rd]) };
}
