/**
 * The environment as a plain object, copied once. Node's process.env is
 * not one: every read is a lookup in native code (on a worker thread too),
 * and the YAML library reads process.env.LOG_TOKENS for each token it
 * lexes, so a zone file of 100 hosts parsed in 1.65 ms under the real
 * object and in 1.23 ms under a copy. mailns only reads its environment,
 * so a copy reads the same; a child process is given it as before (spawn
 * takes process.env).
 */
export function copyEnvironment(): void {
  process.env = { ...process.env };
}
