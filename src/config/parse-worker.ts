/**
 * The parse pool's worker thread (src/config/parse-pool.ts): reads and
 * parses the zone files it is sent, and hands back plain data (the text,
 * the data, where each node is, the findings). Parsing is most of a load's
 * work, and here it is off the thread that answers queries.
 */
import { serialize } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import { readParsed } from './source.js';
import { copyEnvironment } from '../util/env.js';

copyEnvironment();

export interface ParseRequest { id: number; file: string }
/**
 * `wire`: the ReadResult serialized (node:v8, the structured clone's own
 * format), its buffer moved rather than copied; the loader unpacks it when
 * it takes the file (parse-pool.ts says why).
 */
export type ParseReply = { id: number; wire: Uint8Array } | { id: number; failed: string };

parentPort?.on('message', (req: ParseRequest) => {
  let wire: Buffer;
  try {
    wire = serialize(readParsed(req.file));
  } catch (e) {
    // A failure, or data that cannot be serialized (nesting too deep): the loader parses the file itself.
    parentPort!.postMessage({ id: req.id, failed: (e as Error).message } satisfies ParseReply);
    return;
  }
  const own = wire.byteOffset === 0 && wire.byteLength === wire.buffer.byteLength;
  parentPort!.postMessage({ id: req.id, wire } satisfies ParseReply, own ? [wire.buffer as ArrayBuffer] : []);
});
