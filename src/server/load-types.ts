/**
 * What a load makes (src/server/load.ts): the zones with what each keeps of
 * its file, every finding, and the options a load takes.
 */
import type { ZoneModel } from '../config/model.js';
import type { ParsePool } from '../config/parse-pool.js';
import type { IntentArtifacts } from '../synth/mail/index.js';
import type { ForwardSynth } from '../synth/reverse/index.js';
import type { Network } from '../synth/reverse/network.js';
import type { RRsetCollector } from '../synth/index.js';
import type { Silenced } from '../lint/index.js';
import type { Resolution } from '../query/resolve.js';
import type { NameSynthesizer, RRset } from '../wire/rrset.js';
import type { Name } from '../util/name.js';
import type { Problem } from '../util/problem.js';
import type { Catalog, Zone } from '../zone/zone.js';
import type { SerialsSeen } from './state.js';

export interface ZoneArtifacts extends IntentArtifacts {
  /** For a reverse zone: the records the ISP must publish in its parent zone. */
  isp?: string[];
}

export interface LoadedZone {
  zone: Zone;
  /** The model of the file the zone comes from (a reverse zone shares its file's). */
  model: ZoneModel;
  file: string;
  /**
   * This zone's own build time, in ms: reading and modelling its file,
   * synthesizing its records, its structural checks and serial digest, and
   * building its trie (the build that is served). Zones from one file (a
   * forward zone and its reverse: entries) each count the file's reading and
   * modelling, which they share; the reverse zones of a file each count the
   * one pass that builds them all. The lint, which runs over every zone at
   * once, and the schema's one-time compile are in no zone's figure.
   */
  millis: number;
  artifacts: ZoneArtifacts;
  reverse: boolean;
  /** The SOA serial served, and the digest of the content it stands for (src/zone/serial.ts). */
  serial: number;
  digest: string;
  /**
   * Set when no other file reads or adds to this zone (load-reuse.ts): a
   * reload that finds its file and key files as they were serves it as it
   * is. Its findings up to the lint, and what its lint.ignore silenced of
   * them, which a reuse reports again.
   */
  reusable?: { problems: readonly Problem[]; silenced: readonly Silenced[] };
}

export interface LoadResult {
  catalog: Catalog;
  zones: LoadedZone[];
  problems: Problem[];
  /** Files whose zone had errors and was not loaded. */
  failed: string[];
  /** Findings a zone's lint.ignore silenced, with the reason. */
  silenced: Silenced[];
  /** On reload (`previous` given): the last good copies that keep serving for zones that failed; in `catalog` too. */
  kept: LoadedZone[];
}

/** A zone being loaded, until it is served or left out (src/server/load.ts). */
export interface Pending {
  file: string;
  origin: Name;
  model: ZoneModel;
  collector: RRsetCollector;
  artifacts: ZoneArtifacts;
  problems: Problem[];
  synthesizers: NameSynthesizer[];
  reverse: boolean;
  /** For a reverse zone: its network, and the forward side of its generic names. */
  reverseInfo?: { net: Network; classless: boolean; forward?: ForwardSynth };
  /** Milliseconds of work done for this zone alone so far (LoadedZone.millis). */
  ms: number;
  serial?: number;
  digest?: string;
  /** A zone reused from the load before (its file and key files read as they did), until something asks for it to be made again. */
  reused?: LoadedZone;
  /**
   * Set for a zone finished as its file was read (tied to no other zone so
   * far): its RRsets, checked and with their serial, and its trie (none if
   * it could not be built: the build at step 6 says why).
   */
  early?: { rrsets: RRset[]; zone?: Zone; buildMs: number };
  /** What its lint.ignore silenced of the structural checks (kept with a zone that may be reused). */
  silenced?: Silenced[];
}

export interface LoadOptions {
  /** Sees every question the lint asks and its answer (for the test that the server answers the same). */
  observe?: (r: Resolution) => void;
  /** The load being replaced (SIGHUP): a zone that fails keeps its copy from there, and the rest is certified with it. */
  previous?: LoadResult;
  /** What was last published per zone (the state directory): `serial: auto` moves only when the content does. None: as on a first start. */
  serials?: SerialsSeen;
  /** The date the YYYYMMDDnn serials take (default: now). */
  now?: Date;
  /** False: no finding for a written serial that did not grow (diff compares content; check and serve report it). Default true. */
  serialFindings?: boolean;
  /** serve --catalog: the name of the catalog zone (RFC 9432) that lists every zone served; none without it. */
  catalogZone?: Name;
  /** Files parsed on worker threads (only with loadZonesInSlices); without it, here. */
  pool?: ParsePool;
  /**
   * With a pool: this thread parses too, whenever the file it needs next is
   * not parsed yet (the first start, when there is nothing to answer; a
   * reload leaves parsing to the workers).
   */
  parseHere?: boolean;
}
