/**
 * The forgotten trailing dot (RFC 1035 §5.1: a name without one is relative
 * to the origin): `app.hosting.example.org` written in example.com becomes
 * app.hosting.example.org.example.com. We cannot know every registered
 * domain, but a relative part of two or more labels whose last label is a
 * top-level domain (every two-letter country code, and the generic TLDs
 * people write most) is almost always a name that meant to be absolute.
 */
import type { Name } from './name.js';
import { lowerLabel, nameToText } from './name.js';

/** Generic TLDs (IANA root zone), the ones zone files mention most; all two-letter labels count as country codes. */
const GENERIC = new Set((
  'com net org edu gov mil int arpa info biz name pro aero coop museum mobi asia tel travel jobs cat '
  + 'app dev page io ai co me tv cloud online site store shop tech xyz top club vip link live '
  + 'news blog art design agency digital network systems solutions services email host hosting website '
  + 'space world today company group center studio media social one global academy berlin london paris '
  + 'nyc tokyo amsterdam swiss bayern nrw wien ovh google amazon microsoft apple goog page run'
).split(' '));

/** Is `label` (any case) a top-level domain label as far as this check knows? */
export function isTldLabel(label: string): boolean {
  const l = lowerLabel(label);
  return /^[a-z]{2}$/.test(l) || GENERIC.has(l) || l.startsWith('xn--');
}

/**
 * When `name` (absolute, as parsed) is inside `origin` and its part before
 * the origin looks like a domain of its own, the absolute name the writer
 * most likely meant (e.g. app.hosting.example.org.); otherwise undefined.
 */
export function forgottenDot(name: Name, origin: Name): string | undefined {
  const rel = name.length - origin.length;
  // In the root zone nothing is appended to a name: every name there is as written.
  if (rel < 2 || origin.length === 0) return undefined;
  for (let i = 0; i < origin.length; i++) if (lowerLabel(name[rel + i]!) !== lowerLabel(origin[i]!)) return undefined;
  if (!isTldLabel(name[rel - 1]!)) return undefined;
  return nameToText(name.slice(0, rel));
}
