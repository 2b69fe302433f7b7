import type { QuarantineReason } from '../../schemas/index.js';
import type { SesReceipt } from './ses-event.js';

/**
 * Why SES's verdicts hold a message back, empty when they do not:
 * - `spam` / `virus`: the spam or virus verdict is FAIL;
 * - `dmarc`: DMARC failed and the sending domain asks receivers to quarantine or reject such mail, so
 *   the From address is not the sender's (a spoof must not land on a real customer's timeline).
 * GRAY and PROCESSING_FAILED pass: a person looks at the message like any other.
 */
export function quarantineReasons(receipt: SesReceipt): QuarantineReason[] {
  const reasons: QuarantineReason[] = [];
  if (receipt.spamVerdict?.status === 'FAIL') reasons.push('spam');
  if (receipt.virusVerdict?.status === 'FAIL') reasons.push('virus');
  const policy = receipt.dmarcPolicy?.toLowerCase();
  if (receipt.dmarcVerdict?.status === 'FAIL' && (policy === 'reject' || policy === 'quarantine')) {
    reasons.push('dmarc');
  }
  return reasons;
}

/** The receipt's verdicts as reported (`spam: PASS`, …), for the quarantine record. */
export function reportedVerdicts(receipt: SesReceipt): Record<string, string> {
  const verdicts: Record<string, string> = {};
  const entries = [
    ['spam', receipt.spamVerdict],
    ['virus', receipt.virusVerdict],
    ['spf', receipt.spfVerdict],
    ['dkim', receipt.dkimVerdict],
    ['dmarc', receipt.dmarcVerdict],
  ] as const;
  for (const [name, verdict] of entries) if (verdict) verdicts[name] = verdict.status;
  if (receipt.dmarcPolicy) verdicts.dmarcPolicy = receipt.dmarcPolicy;
  return verdicts;
}
