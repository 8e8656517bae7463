/** The mail intent (mail:, caa:, tlsa:) → RRsets, in dependency order. */
import type { ZoneModel } from '../../config/model.js';
import type { RRsetCollector } from '../records.js';
import { synthesizeCaa, synthesizeTlsa } from '../security.js';
import { IntentContext } from './context.js';
import { synthesizeDkim } from './dkim.js';
import { synthesizeDmarc } from './dmarc.js';
import { synthesizeMx, synthesizeSpf } from './mx.js';
import { synthesizeAutoconfig, synthesizeClientSrv } from './services.js';
import { synthesizeMtaSts, synthesizeTlsRpt } from './sts.js';

export interface IntentArtifacts {
  /** The MTA-STS policy file text, when mail.mta_sts is set. */
  mtaStsPolicy?: string;
}

/** Runs after hosts: and records: are collected, so SPF can inline their addresses and explicit records win. */
export function synthesizeIntent(model: ZoneModel, out: RRsetCollector): IntentArtifacts {
  const ctx = new IntentContext(model, out);
  const artifacts: IntentArtifacts = {};
  if (model.mail) {
    const mx = synthesizeMx(ctx);
    const noMail = mx === 'none';
    synthesizeSpf(ctx, mx);
    synthesizeDkim(ctx, noMail);
    synthesizeDmarc(ctx, noMail);
    synthesizeClientSrv(ctx);
    synthesizeAutoconfig(ctx);
    artifacts.mtaStsPolicy = synthesizeMtaSts(ctx, mx);
    synthesizeTlsRpt(ctx);
  }
  synthesizeCaa(ctx);
  synthesizeTlsa(ctx);
  return artifacts;
}

export { parseDkimKey, dkimRecordText } from './dkim.js';
export { mtaStsPolicy } from './sts.js';
