/** What every intent helper needs: the model, the collector, names and places. */
import type { ZoneModel } from '../../config/model.js';
import type { Path } from '../../config/source.js';
import { type Name, NameError, isAbsolute, parseName, lowerName, nameToText, isSubdomain, nameKey } from '../../util/name.js';
import { type At, type Problem, problem } from '../../util/problem.js';
import { TYPE } from '../../wire/constants.js';
import type { Rdata } from '../../wire/rdata.js';
import { rdataOrProblem, src, type RRsetCollector } from '../records.js';
import { txtTokens } from '../values.js';

export class IntentContext {
  readonly origin: Name;
  readonly problems: Problem[];
  constructor(readonly model: ZoneModel, readonly out: RRsetCollector) {
    this.origin = model.origin;
    this.problems = out.problems;
  }

  at(path: Path, key = false): At {
    return this.model.at(path, key);
  }

  error(path: Path, rule: string, message: string, hint?: string): void {
    this.problems.push(problem(this.at(path), rule, message, hint));
  }

  warn(path: Path, rule: string, message: string, hint?: string): void {
    this.problems.push(problem(this.at(path), rule, message, hint, 'warning'));
  }

  /** A host reference: relative to the zone, or absolute with a trailing dot. '' and '@' are the apex. */
  host(ref: string, path: Path): Name | undefined {
    try {
      return lowerName(ref === '' || ref === '@' ? [...this.origin] : parseName(ref, this.origin));
    } catch (e) {
      this.error(path, 'name', `"${ref}": ${(e as NameError).message}`);
      return undefined;
    }
  }

  /**
   * The token to write in RDATA for a host reference: as written when it is
   * relative (so the record remembers it was, for the trailing-dot lint),
   * else the name in full. Both parse to the same name.
   */
  token(ref: string, name: Name): string {
    return ref !== '' && ref !== '@' && !isAbsolute(ref) ? ref : nameToText(name);
  }

  /** Relative form for messages: "mail" for mail.example.com. */
  inZone(name: Name): boolean {
    return isSubdomain(name, this.origin);
  }

  /** Owner below the apex, e.g. child(['_dmarc']). */
  child(...labels: string[]): Name {
    return [...labels, ...this.origin];
  }

  /** A host of this zone with addresses here (not below a delegation): its addresses can be inlined. */
  ownHost(name: Name): boolean {
    if (!this.inZone(name) || this.out.delegated(name)) return false;
    const { v4, v6 } = this.addresses(name);
    return v4.length + v6.length > 0;
  }

  /** Addresses this zone publishes for `name` (hosts: and explicit A/AAAA records). */
  addresses(name: Name): { v4: Rdata[]; v6: Rdata[] } {
    return { v4: this.out.get(name, TYPE.A)?.rdatas ?? [], v6: this.out.get(name, TYPE.AAAA)?.rdatas ?? [] };
  }

  /** Parses presentation tokens into RDATA and adds it as one synthesized RRset. */
  add(owner: Name, type: number, tokensList: string[][], path: Path, helper: string, ttl = this.model.ttl): void {
    const at = this.at(path);
    const rdatas = tokensList.map((t) => rdataOrProblem(type, t, this.origin, at, this.problems)).filter((r): r is Rdata => r !== undefined);
    if (rdatas.length) this.out.add(owner, type, ttl, rdatas, src(at, helper), false);
  }

  /** One TXT record of free text, split into 255-octet strings (RFC 7208 §3.3). */
  addTxt(owner: Name, text: string, path: Path, helper: string): void {
    this.add(owner, TYPE.TXT, [txtTokens(text)], path, helper);
  }

  /** A TXT record for a zone other than ours (routed by the loader to the zone that holds `owner`). */
  addForeignTxt(owner: Name, text: string, path: Path, helper: string): void {
    const at = this.at(path);
    const rd = rdataOrProblem(TYPE.TXT, txtTokens(text), this.origin, at, this.problems);
    if (rd) this.out.addForeign({ owner: lowerName(owner), type: TYPE.TXT, ttl: this.model.ttl, rdata: rd, source: src(at, helper) });
  }

  text(name: Name): string {
    return nameToText(name);
  }

  key(name: Name): string {
    return nameKey(name);
  }
}
