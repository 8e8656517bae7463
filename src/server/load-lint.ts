/**
 * One round of the lint of a load (src/server/load.ts): every module over
 * the zones given, through the server's lookup, plus the records the
 * lookup would never serve (shadowed by a closer zone of ours) and the
 * FCrDNS of the reverse zones; each finding goes to the zone whose file
 * holds its record, through that file's lint.ignore.
 */
import type { ZoneModel } from '../config/model.js';
import { checkFcrdns, type ReverseInfo } from '../lint/fcrdns.js';
import { applyIgnores, lintView, lintZoneSteps, RULES, type LintZone, type Silenced } from '../lint/index.js';
import { notServed } from '../lint/rule.js';
import type { Resolution } from '../query/resolve.js';
import type { Network } from '../synth/reverse/network.js';
import { typeToText } from '../wire/constants.js';
import { madeByHelper } from '../wire/rrset.js';
import { nameToText } from '../util/name.js';
import { type Problem, problem } from '../util/problem.js';
import type { Steps } from '../util/steps.js';

/** What the lint needs of a zone being loaded. */
export interface Linted { file: string; model: ZoneModel; reverseInfo?: { net: Network; classless: boolean } }

/** A round's findings per zone being loaded, what lint.ignore silenced, and findings no zone being loaded holds. */
export type Round<P> = { found: Map<P, Problem[]>; silenced: Silenced[]; unowned: Problem[] };

/**
 * Lints the zones given, each with the zone being loaded it belongs to
 * (none for a last good copy kept from before); `pending` is every zone
 * being loaded, each with a list of findings in the round (empty if not given).
 */
export function* lintRound<P extends Linted>(pending: readonly P[], observe: ((r: Resolution) => void) | undefined, entries: { p?: P; lz: LintZone }[]): Steps<Round<P>> {
  const found = new Map<P, Problem[]>(pending.map((p) => [p, []]));
  const quiet: Silenced[] = [];
  const unowned: Problem[] = [];
  const lintZonesIn = entries.map((e) => e.lz);
  const view = lintView(lintZonesIn, observe);
  const lint = yield* lintZoneSteps(view);
  quiet.push(...lint.silenced);
  for (const [i, { p }] of entries.entries()) {
    if (!p) continue;
    found.get(p)!.push(...lint.findings[i]!);
    const unserved = notServed(view, lintZonesIn[i]!);
    for (const { rrset: rs, by } of unserved.shadowed) {
      const s = rs.sources[0];
      const helper = madeByHelper(s);
      found.get(p)!.push(...applyIgnores(p.model, [problem(s ?? { file: p.file, line: 1, col: 1 }, 'shadowed', `${nameToText(rs.owner)} ${typeToText(rs.type)}${helper ? ` (made by ${s!.helper})` : ''} is never served: the zone ${nameToText(by.origin)}, which we also serve, answers for that name`,
        helper ? `publish it in ${nameToText(by.origin)}, or stop serving that zone` : `move it to the zone ${nameToText(by.origin)}`, helper ? 'error' : 'warning')], quiet));
    }
    for (const rs of unserved.unexplained) {
      const s = rs.sources[0];
      found.get(p)!.push(problem(s ?? { file: p.file, line: 1, col: 1 }, 'zone-build', `${nameToText(rs.owner)} ${typeToText(rs.type)} is in the zone but the lookup never answers with it`, 'this is a bug in mailns: please report it with the zone file'));
    }
    yield;
  }
  const reverses: ReverseInfo[] = entries.flatMap(({ p, lz }) => (p?.reverseInfo ? [{ lint: lz, net: p.reverseInfo.net, classless: p.reverseInfo.classless }] : []));
  for (const x of checkFcrdns(view, reverses)) {
    // A finding belongs to the zone of the file that holds its record (for that file's lint.ignore).
    const owner = pending.find((p) => p.file === x.file);
    const one = [{ ...x, rfc: RULES.get(x.rule)?.rfc }];
    if (owner) found.get(owner)!.push(...applyIgnores(owner.model, one, quiet));
    else unowned.push(...one);
  }
  return { found, silenced: quiet, unowned };
}

