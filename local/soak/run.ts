import { randomBytes } from 'node:crypto';
import { checkSoak, type SoakCheck } from './check.js';
import { drive, type SentMessage } from './drive.js';
import { defaultPeople, planSoak } from './plan.js';
import { type ReplyRequestOutcome, sendReplies } from './replies.js';
import type { SoakTarget } from './target.js';

/** How big and how long a soak is. */
export interface SoakOptions {
  readonly messages: number;
  /** People sending them; a few hundred at most by default (see defaultPeople). */
  readonly people?: number;
  /** Seed of the plan (who sends what on which channel). */
  readonly seed: number;
  /** Agent replies sent once the messages are in, one per conversation. Default messages / 50, at most 400. */
  readonly replies?: number;
  /** Messages in flight at once. Default 24. */
  readonly concurrency?: number;
  /** The whole soak's bound: sending stops at 80 % of it, the rest is for the stack to settle. */
  readonly maxSeconds: number;
  /** Told how many messages are done, every thousand, and what each check while settling found. */
  readonly onProgress?: (done: number) => void;
  readonly onSettling?: (check: SoakCheck) => void;
  /** Waits for the stack's asynchronous work (the in-process stack's async invocations). */
  readonly idle?: () => Promise<void>;
}

/** What a soak measured. */
export interface SoakReport extends SoakCheck {
  readonly run: string;
  readonly planned: number;
  /** Messages whose sending started (all planned ones unless the time bound cut the run short). */
  readonly sent: number;
  readonly acknowledged: number;
  readonly gaveUp: number;
  /** Why the messages given up on failed last, most frequent first. */
  readonly gaveUpReasons: readonly (readonly [string, number])[];
  readonly sendSeconds: number;
  readonly totalSeconds: number;
  /** Acknowledged messages per second of the send phase. */
  readonly messagesPerSecond: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly faults: SoakTarget['faults'];
  /** True when every invariant held and every planned message was sent. */
  readonly passed: boolean;
}

const DEFAULT_CONCURRENCY = 24;
const SETTLE_POLL_MS = 2_000;

/** Plans, sends, waits for the stack to settle, checks. */
export async function runSoak(target: SoakTarget, options: SoakOptions): Promise<SoakReport> {
  const started = Date.now();
  const deadline = started + options.maxSeconds * 1_000;
  const run = randomBytes(4).toString('hex');
  const plan = planSoak({
    messages: options.messages,
    people: options.people ?? defaultPeople(options.messages),
    seed: options.seed,
    run,
  });
  const sent = await drive(target, plan, {
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    sendDeadline: started + options.maxSeconds * 800,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const sendSeconds = (Date.now() - started) / 1_000;
  const inbound = await settle(target, plan, sent, deadline, options);
  const replyCount = options.replies ?? Math.min(400, Math.ceil(options.messages / 50));
  const conversations = [...new Set(inbound.conversationOf.values())];
  const chosen = Array.from(
    { length: Math.min(replyCount, conversations.length) },
    (_, index) => conversations[Math.floor((index * conversations.length) / replyCount)] ?? '',
  );
  const replies = chosen.length > 0 ? await sendReplies(target, chosen, run) : [];
  const check = replies.length > 0 ? await settle(target, plan, sent, deadline, options, replies) : inbound;
  return report(
    run,
    plan.messages.length,
    sent,
    check,
    sendSeconds,
    (Date.now() - started) / 1_000,
    target.faults,
  );
}

/** Checks until every acknowledged message is recorded and the main queues are empty, or time is up. */
async function settle(
  target: SoakTarget,
  plan: Parameters<typeof checkSoak>[1],
  sent: readonly SentMessage[],
  deadline: number,
  hooks: Pick<SoakOptions, 'idle' | 'onSettling'>,
  replies?: readonly ReplyRequestOutcome[],
): Promise<SoakCheck> {
  const acknowledged = sent.filter((message) => message.outcome === 'acknowledged').length;
  for (;;) {
    await hooks.idle?.();
    const check = await checkSoak(target, plan, sent, replies);
    hooks.onSettling?.(check);
    const settled = check.recorded >= acknowledged && check.pendingInQueues === 0;
    if (settled || Date.now() + SETTLE_POLL_MS > deadline) return check;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
  }
}

function report(
  run: string,
  planned: number,
  sent: readonly SentMessage[],
  check: SoakCheck,
  sendSeconds: number,
  totalSeconds: number,
  faults: SoakTarget['faults'],
): SoakReport {
  const acknowledged = sent.filter((message) => message.outcome === 'acknowledged').length;
  const gaveUp = sent.length - acknowledged;
  const reasons = new Map<string, number>();
  for (const message of sent) {
    if (message.outcome === 'gave-up') {
      const reason = message.lastError ?? 'unknown';
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
  }
  const sorted = [...check.latenciesMs].sort((a, b) => a - b);
  const passed =
    sent.length === planned &&
    gaveUp === 0 &&
    check.lost === 0 &&
    check.duplicated === 0 &&
    check.misfiled === 0 &&
    check.splitGroups === 0 &&
    check.fusedCustomers === 0 &&
    check.customersFound === check.customersExpected &&
    Object.keys(check.deadLettered).length === 0 &&
    check.pendingInQueues === 0 &&
    (check.replies === undefined ||
      (check.replies.sentTwice === 0 &&
        check.replies.sentUnrecorded === 0 &&
        check.replies.acceptedUndelivered === 0 &&
        check.replies.acceptedUnrecorded === 0));
  return {
    ...check,
    run,
    planned,
    sent: sent.length,
    acknowledged,
    gaveUp,
    gaveUpReasons: [...reasons].sort((a, b) => b[1] - a[1]),
    sendSeconds,
    totalSeconds,
    messagesPerSecond: sendSeconds > 0 ? acknowledged / sendSeconds : 0,
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
    faults,
    passed,
  };
}

function percentile(sorted: readonly number[], share: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? 0;
}

/** The one summary line: sent, recorded, duplicated, lost, customers, dead letters, latency, rate. */
export function soakSummary(report: SoakReport): string {
  const deadLettered = Object.values(report.deadLettered).reduce((sum, count) => sum + count, 0);
  return [
    `soak ${report.passed ? 'PASSED' : 'FAILED'}:`,
    `${report.sent} sent (${report.acknowledged} acknowledged, ${report.gaveUp} gave up),`,
    `${report.recorded} recorded, ${report.duplicated} duplicated, ${report.lost} lost, ${report.misfiled} misfiled;`,
    `customers ${report.customersExpected} expected, ${report.customersFound} found;`,
    `${deadLettered} dead-lettered;`,
    ...(report.replies
      ? [
          `replies ${report.replies.requested} requested (${report.replies.accepted} accepted, ${report.replies.failed} failed),`,
          `${report.replies.sentTwice} sent twice, ${report.replies.sentUnrecorded + report.replies.acceptedUnrecorded} unrecorded;`,
        ]
      : []),
    `latency p50 ${Math.round(report.p50Ms)} ms, p95 ${Math.round(report.p95Ms)} ms;`,
    `${report.messagesPerSecond.toFixed(1)} messages/s;`,
    `faults ${report.faults?.spec ?? 'none'}`,
  ].join(' ');
}
