/**
 * Socket addresses as operators write them: `ADDRESS:PORT` / `[IPv6]:PORT`
 * (serve --listen, --metrics, probe --server, the configuration file's
 * listen: and metrics:) and `ADDRESS[@PORT]` (NOTIFY targets, as NSD's and
 * Knot's remotes). One parser each, for the flags and the file alike; a
 * mistake comes back as text for the caller to place.
 */
import { isIP } from 'node:net';

export interface SocketAddress { host: string; port: number }

/** `ADDRESS:PORT` or `[IPv6]:PORT`, ADDRESS an IP address (as NSD's ip-address), PORT 0-65535; `example` is the port an error shows. */
export function parseSocket(s: string, example = 5353): SocketAddress | { error: string } {
  const m = /^\[(.+)\]:(\d+)$/.exec(s) ?? /^([^:\[\]]+):(\d+)$/.exec(s);
  if (!m) return { error: `expected ADDRESS:PORT, or [IPv6]:PORT (e.g. 127.0.0.1:${example}, [::1]:${example})` };
  const host = m[1]!, port = Number(m[2]);
  if (isIP(host) === 0) return { error: `"${host}" is not an IP address` };
  if (port > 65535) return { error: `port ${port} is above 65535` };
  return { host, port };
}

/** RFC 1996 §3.7 leaves the default port to the protocol: 53. */
export const NOTIFY_PORT = 53;

/** `ADDRESS[@PORT]` (as NSD's and Knot's remotes), or why not. */
export function parseNotifyTarget(s: string): SocketAddress | { error: string } {
  const at = s.lastIndexOf('@');
  const host = at < 0 ? s : s.slice(0, at);
  const portText = at < 0 ? undefined : s.slice(at + 1);
  if (isIP(host) === 0) return { error: `"${host}" is not an IP address (ADDRESS[@PORT], e.g. 192.0.2.53@53)` };
  if (portText === undefined) return { host, port: NOTIFY_PORT };
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) return { error: `port "${portText}" is not 1-65535` };
  return { host, port };
}
