import * as z from 'zod';
import type { SoakTarget } from './target.js';

/**
 * The reply half of a soak: an agent answers some of the soak's conversations through the staff API while
 * the faults are on. A reply request carries no idempotency key, so the soak never repeats one: each
 * request must be sent at most once and, if sent, recorded. A chat visitor is offline by then, so a chat
 * reply goes out as the chat email fallback after its delay (the queue consumer, duplicates and crashes
 * included).
 */

export interface ReplyRequestOutcome {
  readonly k: number;
  readonly conversationId: string;
  /** HTTP status of the one request (0 when no answer came). */
  readonly status: number;
  /** The channel the reply went on, when answered 201. */
  readonly channel?: string;
}

export interface ReplyCheck {
  readonly requested: number;
  /** Answered 201. */
  readonly accepted: number;
  /** Answered 409 (not deliverable: opted out, unverified address…), which is no failure. */
  readonly refused: number;
  /** Answered 5xx or not at all: the reply may be recorded as queued or failed, never sent twice. */
  readonly failed: number;
  /** Requests delivered more than once to the SES or SMS sink. */
  readonly sentTwice: number;
  /** Requests delivered although no outbound interaction records them. */
  readonly sentUnrecorded: number;
  /** Accepted email or SMS replies missing from their sink. */
  readonly acceptedUndelivered: number;
  /** Accepted replies with no outbound interaction. */
  readonly acceptedUnrecorded: number;
}

const ReplyAnswerSchema = z.looseObject({ channel: z.string().max(20) });

/** Sends one reply per conversation, once each, a few at a time. */
export async function sendReplies(
  target: SoakTarget,
  conversationIds: readonly string[],
  run: string,
): Promise<ReplyRequestOutcome[]> {
  const outcomes: ReplyRequestOutcome[] = [];
  let next = 0;
  const worker = async () => {
    for (let k = next++; k < conversationIds.length; k = next++) {
      const conversationId = conversationIds[k];
      if (conversationId === undefined) continue;
      outcomes.push(await sendReply(target, conversationId, k, run));
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return outcomes.sort((a, b) => a.k - b.k);
}

async function sendReply(
  target: SoakTarget,
  conversationId: string,
  k: number,
  run: string,
): Promise<ReplyRequestOutcome> {
  try {
    const response = await fetch(`${target.apiUrl}/v1/conversations/${conversationId}/replies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${target.tokens.agent}` },
      signal: AbortSignal.timeout(30_000),
      body: JSON.stringify({ body: `${replyMarker(run, k)} Your parcel ships today.` }),
    });
    const text = await response.text();
    if (response.status !== 201) return { k, conversationId, status: response.status };
    const answer = ReplyAnswerSchema.safeParse(safeJson(text));
    return { k, conversationId, status: 201, ...(answer.success ? { channel: answer.data.channel } : {}) };
  } catch {
    return { k, conversationId, status: 0 };
  }
}

/** The marker a reply's body starts with. */
export function replyMarker(run: string, k: number): string {
  return `[soak-reply ${run} #${k}]`;
}

/** The reply number in a text carrying the run's reply marker, or undefined. */
export function replyMarkerOf(run: string, text: string): number | undefined {
  const match = new RegExp(`\\[soak-reply ${run} #(\\d+)\\]`).exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

const SesStoreSchema = z.object({
  emails: z.array(z.looseObject({ body: z.looseObject({ text: z.string().optional() }).optional() })),
});
const SmsOutboxSchema = z.object({ messages: z.array(z.looseObject({ body: z.string() })) });

/** How often each reply reached the SES mailbox or the SMS outbox. */
export async function deliveriesPerReply(target: SoakTarget, run: string): Promise<Map<number, number>> {
  const [ses, sms] = await Promise.all([
    fetch(target.outbox.sesUrl).then(async (response) => SesStoreSchema.parse(await response.json())),
    fetch(target.outbox.smsUrl).then(async (response) => SmsOutboxSchema.parse(await response.json())),
  ]);
  const counts = new Map<number, number>();
  const texts = [
    ...ses.emails.map((mail) => mail.body?.text ?? ''),
    ...sms.messages.map((message) => message.body),
  ];
  for (const text of texts) {
    const k = replyMarkerOf(run, text);
    if (k !== undefined) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/**
 * Measures the reply invariants: `recorded` counts, per reply, the outbound interactions that carry it
 * (a chat reply's email fallback not counted separately).
 */
export function checkReplies(
  outcomes: readonly ReplyRequestOutcome[],
  recorded: ReadonlyMap<number, number>,
  delivered: ReadonlyMap<number, number>,
): ReplyCheck {
  const accepted = outcomes.filter((outcome) => outcome.status === 201);
  return {
    requested: outcomes.length,
    accepted: accepted.length,
    refused: outcomes.filter((outcome) => outcome.status === 409).length,
    failed: outcomes.filter((outcome) => outcome.status === 0 || outcome.status >= 500).length,
    sentTwice: [...delivered.values()].filter((count) => count > 1).length,
    sentUnrecorded: [...delivered.keys()].filter((k) => (recorded.get(k) ?? 0) === 0).length,
    acceptedUndelivered: accepted.filter(
      (outcome) => outcome.channel !== 'chat' && (delivered.get(outcome.k) ?? 0) === 0,
    ).length,
    acceptedUnrecorded: accepted.filter((outcome) => (recorded.get(outcome.k) ?? 0) === 0).length,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
