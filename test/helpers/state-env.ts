/**
 * Every test file gets a state directory of its own (vitest setupFiles), as
 * $STATE_DIRECTORY, so the serials a spawned `mailns serve` records never
 * land in the work tree nor reach another test file's `check`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'mailns-state-'));
process.env.STATE_DIRECTORY = dir;
afterAll(() => rmSync(dir, { recursive: true, force: true }));
