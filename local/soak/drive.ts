import { randomBytes } from 'node:crypto';
import { createTransport } from 'nodemailer';
import { WebSocket } from 'ws';
import * as z from 'zod';
import { identitySecretFromText, siteSignature } from '../../shared/identity/site-signature.js';
import { signedTwilioWebhook } from '../twilio-webhook-request.js';
import type { SoakMessage, SoakPlan } from './plan.js';
import type { SoakTarget } from './target.js';

/**
 * Sends a soak plan over the stack's real interfaces, as the customers' providers and browsers would:
 * the web form over HTTP, SMS as Twilio-signed webhooks, email over SMTP, chat over the WebSocket API.
 * Each sender retries what a real client retries, with the same idempotency key (submissionId,
 * MessageSid, clientMessageId): 5xx and 429 answers, refused connections, a chat send left unanswered.
 * Loopback only: every URL comes from the stack's own description.
 */

export interface SentMessage {
  readonly n: number;
  /** When the first attempt started (epoch ms). */
  readonly sentAt: number;
  readonly attempts: number;
  /** `acknowledged`: the channel confirmed it (2xx, ack frame, SMTP 250); `gave-up`: every attempt failed. */
  readonly outcome: 'acknowledged' | 'gave-up';
  readonly lastError?: string;
}

export interface DriveOptions {
  /** Messages in flight at once. */
  readonly concurrency: number;
  /** No message is started after this time (epoch ms). */
  readonly sendDeadline: number;
  /** Called after every thousandth message done, with how many are done. */
  readonly onProgress?: (done: number) => void;
}

const MAX_ATTEMPTS = 12;
/**
 * Requests per second the soak allows itself on the throttled public routes, under their deployed
 * limits (functions/manifest.ts: web form 20, Twilio webhook 50, chat sessions 10), as a well-behaved
 * client paces itself; a 429 that still comes is retried.
 */
const ROUTE_PACE = { webform: 18, sms: 45, chatSession: 9 } as const;
const CHAT_ACK_TIMEOUT_MS = 10_000;
/** A request that has not been answered by then is given up and retried (API Gateway's limit is 30 s). */
const REQUEST_TIMEOUT_MS = 30_000;
/** The bound of one attempt, whatever it waits on (a session, a pacing slot, a connection). */
const ATTEMPT_TIMEOUT_MS = 60_000;

/** What one attempt came to: done, or worth another try (with why). */
type Attempt =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: string; readonly final?: boolean };

/** Sends every message of `plan` (until the deadline) and reports each one's outcome. */
export async function drive(info: SoakTarget, plan: SoakPlan, options: DriveOptions): Promise<SentMessage[]> {
  assertLoopback(info);
  const senders = createSenders(info, plan.run);
  const results: SentMessage[] = [];
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < plan.messages.length; index = next++) {
      if (Date.now() > options.sendDeadline) return;
      const message = plan.messages[index];
      if (message === undefined) continue;
      results.push(await sendWithRetries(senders, message));
      if (results.length % 1_000 === 0) options.onProgress?.(results.length);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  } finally {
    senders.close();
  }
  return results.sort((a, b) => a.n - b.n);
}

async function sendWithRetries(senders: Senders, message: SoakMessage): Promise<SentMessage> {
  const sentAt = Date.now();
  let lastError = '';
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const result = await withinTime(senders[message.channel](message), ATTEMPT_TIMEOUT_MS).catch(
      (error: unknown): Attempt => ({
        ok: false,
        reason: error instanceof Error ? error.message : String(error),
        // A refusal for good (a 4xx other than 429) is not retried.
        final: error instanceof SoakRejectedError,
      }),
    );
    if (!result.ok && result.final) {
      return { n: message.n, sentAt, attempts: attempt, outcome: 'gave-up', lastError: result.reason };
    }
    if (result.ok) return { n: message.n, sentAt, attempts: attempt, outcome: 'acknowledged' };
    lastError = result.reason;
    await sleep(Math.random() * Math.min(2_000, 50 * 2 ** attempt));
  }
  return { n: message.n, sentAt, attempts: MAX_ATTEMPTS, outcome: 'gave-up', lastError };
}

type Senders = Record<SoakMessage['channel'], (message: SoakMessage) => Promise<Attempt>> & {
  close(): void;
};

function createSenders(info: SoakTarget, run: string): Senders {
  const pace = {
    webform: createPacer(ROUTE_PACE.webform),
    sms: createPacer(ROUTE_PACE.sms),
    chatSession: createPacer(ROUTE_PACE.chatSession),
  };
  const key = identitySecretFromText(info.identitySecret);
  const sign = (value: string) => siteSignature(key, value);
  const smtp = createTransport({
    host: info.smtp.host,
    port: info.smtp.port,
    secure: false,
    ignoreTLS: true,
    pool: true,
    maxConnections: 4,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: REQUEST_TIMEOUT_MS,
  });
  const sessions = new Map<number, Promise<ChatSession>>();
  const sidPrefix = randomBytes(8).toString('hex');
  const messageSid = (n: number) => `SM${sidPrefix}${n.toString(16).padStart(16, '0')}`;

  return {
    webform: async (message) => {
      const { person } = message;
      await pace.webform();
      const response = await fetch(`${info.apiUrl}/v1/channels/webform`, {
        method: 'POST',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: person.email,
          emailSignature: sign(person.email),
          ...(message.withPhone ? { phone: person.phone, phoneSignature: sign(person.phone) } : {}),
          name: `Soak Person ${person.index}`,
          subject: 'Parcel',
          message: message.body,
          submissionId: `soak-${run}-${message.n}`,
        }),
      });
      return answered(response, 202);
    },
    sms: async (message) => {
      // Twilio's retries carry the same MessageSid.
      await pace.sms();
      const request = signedTwilioWebhook({
        ...info.twilio,
        to: info.twilio.number,
        from: message.person.phone,
        body: message.body,
        messageSid: messageSid(message.n),
      });
      const response = await fetch(request.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
      });
      return answered(response, 200);
    },
    email: async (message) => {
      await smtp.sendMail({
        from: `Soak Person ${message.person.index} <${message.person.email}>`,
        to: `help@${info.smtp.domain}`,
        subject: 'Parcel',
        text: message.body,
      });
      return { ok: true };
    },
    chat: async (message) => {
      const { person } = message;
      let session = sessions.get(person.index);
      if (session === undefined) {
        session = createChatSession(info, person.email, sign(person.email), pace.chatSession);
        sessions.set(person.index, session);
        // A failed creation is forgotten so the next attempt creates it again.
        session.catch(() => sessions.delete(person.index));
      }
      const result = await sendChatMessage(await session, `soak-${run}-${message.n}`, message.body);
      if (!result.ok && result.reason === 'session_expired') sessions.delete(person.index);
      return result;
    },
    close: () => smtp.close(),
  };
}

/** Done when the status is the expected one; 429 and 5xx are worth a retry; anything else is a bug. */
async function answered(response: Response, expected: number): Promise<Attempt> {
  const text = await response.text();
  if (response.status === expected) return { ok: true };
  if (response.status === 429 || response.status >= 500)
    return { ok: false, reason: `HTTP ${response.status}` };
  throw new SoakRejectedError(`HTTP ${response.status}: ${text.slice(0, 200)}`);
}

/** The stack refused a message for good (a 4xx other than 429): the soak's traffic is wrong. */
export class SoakRejectedError extends Error {
  override name = 'SoakRejectedError';
}

const SessionSchema = z.object({ token: z.string().max(4_000), wsUrl: z.string().max(2_000) });
interface ChatSession {
  readonly url: string;
}

async function createChatSession(
  info: SoakTarget,
  email: string,
  emailSignature: string,
  pace: () => Promise<void>,
): Promise<ChatSession> {
  for (let attempt = 1; ; attempt++) {
    await pace();
    const response = await fetch(info.chat.sessionsUrl, {
      method: 'POST',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, emailSignature }),
    });
    if (response.status === 201) {
      const session = SessionSchema.parse(await response.json());
      return { url: `${session.wsUrl}?token=${encodeURIComponent(session.token)}` };
    }
    const text = await response.text();
    if ((response.status !== 429 && response.status < 500) || attempt >= MAX_ATTEMPTS) {
      throw new Error(`chat session: HTTP ${response.status} ${text.slice(0, 200)}`);
    }
    await sleep(Math.random() * Math.min(2_000, 100 * 2 ** attempt));
  }
}

const FrameSchema = z.looseObject({
  type: z.string().optional(),
  clientMessageId: z.string().optional(),
  error: z.string().optional(),
  message: z.unknown().optional(),
});

/** One connection, one send, until the ack (or an error frame, a refusal, a timeout: retry). */
function sendChatMessage(session: ChatSession, clientMessageId: string, text: string): Promise<Attempt> {
  return new Promise((resolve) => {
    const socket = new WebSocket(session.url);
    let settled = false;
    const finish = (attempt: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeAllListeners('message');
      if (socket.readyState === WebSocket.OPEN) socket.close(1000);
      else socket.terminate();
      resolve(attempt);
    };
    const timer = setTimeout(() => finish({ ok: false, reason: 'no ack in time' }), CHAT_ACK_TIMEOUT_MS);
    socket.once('unexpected-response', (_request, response) => {
      response.resume();
      finish({ ok: false, reason: `connect: HTTP ${response.statusCode ?? 0}` });
    });
    socket.once('error', (error) => finish({ ok: false, reason: `socket: ${error.message}` }));
    socket.once('close', () => finish({ ok: false, reason: 'closed before the ack' }));
    socket.once('open', () => socket.send(JSON.stringify({ action: 'sendMessage', clientMessageId, text })));
    socket.on('message', (data) => {
      const parsed = FrameSchema.safeParse(safeJson(data.toString()));
      if (!parsed.success) return;
      const frame = parsed.data;
      if (frame.type === 'ack' && frame.clientMessageId === clientMessageId) finish({ ok: true });
      else if (frame.type === 'error' && frame.error === 'session_expired')
        finish({ ok: false, reason: 'session_expired' });
      else if (frame.type === 'error' && frame.error === 'internal_error')
        finish({ ok: false, reason: 'internal_error' });
      else if (frame.type === 'error') finish({ ok: false, reason: `refused: ${frame.error}` });
      // API Gateway's own answer when the function failed.
      else if (frame.message === 'Internal server error') finish({ ok: false, reason: 'function failed' });
    });
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Soak traffic goes to this machine only. */
function assertLoopback(info: SoakTarget): void {
  const urls = [
    info.apiUrl,
    info.chat.wsUrl,
    info.chat.sessionsUrl,
    info.twilio.webhookUrl,
    `smtp://${info.smtp.host}`,
  ];
  for (const url of urls) {
    const host = new URL(url).hostname;
    if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') {
      throw new Error(`a soak drives a local stack on loopback only, not ${host}`);
    }
  }
}

/** `promise`, or a rejection once `ms` passed. */
function withinTime<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`attempt not finished within ${ms / 1_000} s`)), ms);
  });
  return Promise.race([promise, timedOut]).finally(() => clearTimeout(timer));
}

/** Spaces calls `1 / rate` seconds apart: each caller waits for its own slot. */
function createPacer(ratePerSecond: number): () => Promise<void> {
  const spacingMs = 1_000 / ratePerSecond;
  let nextSlot = 0;
  return async () => {
    const now = Date.now();
    nextSlot = Math.max(now, nextSlot + spacingMs);
    const wait = nextSlot - now;
    if (wait > 0) await sleep(wait);
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
