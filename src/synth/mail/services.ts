/**
 * Mail client configuration: SRV records for mail access and submission
 * (RFC 6186 §3, RFC 8314 §5.1), Thunderbird's autoconfig host and
 * Microsoft's autodiscover (host name and `_autodiscover._tcp` SRV).
 */
import type { SrvService } from '../../config/intent.js';
import { TYPE } from '../../wire/constants.js';
import type { IntentContext } from './context.js';

/** IANA ports; RFC 8314 §5.1 recommends priority ordering implicit TLS first, which the defaults follow. */
const SERVICES = {
  submissions: 465, // RFC 8314 §3.3
  submission: 587,
  imaps: 993,
  imap: 143,
  pop3s: 995,
  pop3: 110,
} as const;

export function synthesizeClientSrv(ctx: IntentContext): void {
  const srv = ctx.model.mail?.client_srv;
  if (!srv) return;
  for (const [svc, port] of Object.entries(SERVICES) as [keyof typeof SERVICES, number][]) {
    const spec: SrvService | undefined = srv[svc];
    if (spec === undefined) continue;
    const path = ['mail', 'client_srv', svc];
    const owner = ctx.child(`_${svc}`, '_tcp');
    if (spec === 'off') {
      // RFC 6186 §4 / RFC 2782: target "." means the service is decidedly not available.
      ctx.add(owner, TYPE.SRV, [['0', '0', '0', '.']], path, 'mail.client_srv');
      continue;
    }
    const o = typeof spec === 'string' ? { host: spec } : spec;
    const target = ctx.host(o.host, path);
    if (!target) continue;
    ctx.add(owner, TYPE.SRV, [[String(o.priority ?? 0), String(o.weight ?? 1), String(o.port ?? port), ctx.token(o.host, target)]], path, 'mail.client_srv');
  }
}

export function synthesizeAutoconfig(ctx: IntentContext): void {
  const ac = ctx.model.mail?.autoconfig;
  if (!ac || ac === 'off') return;
  const path = ['mail', 'autoconfig'];
  const target = ctx.host(ac.host, [...path, 'host']);
  if (!target) return;
  // Thunderbird fetches https://autoconfig.<domain>/mail/config-v1.1.xml.
  ctx.add(ctx.child('autoconfig'), TYPE.CNAME, [[ctx.token(ac.host, target)]], path, 'mail.autoconfig');
  if (ac.autodiscover) {
    // Outlook tries autodiscover.<domain>, then the SRV record (port 443).
    ctx.add(ctx.child('autodiscover'), TYPE.CNAME, [[ctx.token(ac.host, target)]], path, 'mail.autoconfig');
    ctx.add(ctx.child('_autodiscover', '_tcp'), TYPE.SRV, [['0', '1', '443', ctx.token(ac.host, target)]], path, 'mail.autoconfig');
  }
}
