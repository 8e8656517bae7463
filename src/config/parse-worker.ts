/**
 * The parse pool's worker thread (src/config/parse-pool.ts): reads and
 * parses the zone files it is sent, and hands back plain data (the text,
 * the data, where each node is, the findings). Parsing is most of a load's
 * work, and here it is off the thread that answers queries.
 */
import { parentPort } from 'node:worker_threads';
import { readParsed } from './source.js';

export interface ParseRequest { id: number; file: string }
export type ParseReply = { id: number; result: ReturnType<typeof readParsed> } | { id: number; failed: string };

parentPort?.on('message', (req: ParseRequest) => {
  let reply: ParseReply;
  try {
    reply = { id: req.id, result: readParsed(req.file) };
  } catch (e) {
    reply = { id: req.id, failed: (e as Error).message };
  }
  try {
    parentPort!.postMessage(reply);
  } catch (e) {
    // Data that cannot be copied (nesting too deep): the loader parses the file itself.
    parentPort!.postMessage({ id: req.id, failed: (e as Error).message } satisfies ParseReply);
  }
});
