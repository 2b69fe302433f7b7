import { headerValue, type MailHeader } from './headers.js';

/** What auto-reply detection looks at. */
export interface AutoReplySignals {
  readonly headers: readonly MailHeader[];
  /** The sender's address (From, or the fallback chosen for the identity), if any. */
  readonly senderAddress: string | undefined;
  readonly subject: string | undefined;
  /** The SMTP envelope sender; empty or `<>` for a null sender (bounces, other reports). */
  readonly envelopeSender: string;
}

/**
 * Why a message was written by a machine rather than a person, or undefined. Such a message is recorded
 * but neither routed nor answered, so no mail loop can start (RFC 3834):
 * - `auto-submitted`: Auto-Submitted other than `no` (RFC 3834);
 * - `x-autoreply`: X-Autoreply, X-Autorespond or X-AutoReply-From present (Exchange, cPanel, others);
 * - `precedence`: Precedence bulk, junk, list or auto_reply;
 * - `report`: a multipart/report (delivery status, disposition notification, abuse report);
 * - `null-sender`: Return-Path `<>` or an empty envelope sender (bounces and other reports);
 * - `system-sender`: a MAILER-DAEMON or postmaster address;
 * - `subject`: an out-of-office or non-delivery subject ("Automatic reply:", "Out of Office", …).
 */
export function autoReplyReason(signals: AutoReplySignals): string | undefined {
  const { headers } = signals;
  const autoSubmitted = headerValue(headers, 'auto-submitted');
  if (autoSubmitted !== undefined && firstToken(autoSubmitted) !== 'no') return 'auto-submitted';
  if (AUTOREPLY_HEADERS.some((name) => headerValue(headers, name) !== undefined)) return 'x-autoreply';
  const precedence = headerValue(headers, 'precedence');
  if (precedence !== undefined && AUTOMATED_PRECEDENCE.has(firstToken(precedence))) return 'precedence';
  if (firstToken(headerValue(headers, 'content-type') ?? '') === 'multipart/report') return 'report';
  const returnPath = headerValue(headers, 'return-path');
  if (isNullPath(signals.envelopeSender) || (returnPath !== undefined && isNullPath(returnPath)))
    return 'null-sender';
  const local = signals.senderAddress?.split('@')[0]?.toLowerCase();
  if (local !== undefined && SYSTEM_LOCAL_PARTS.has(local)) return 'system-sender';
  if (signals.subject !== undefined && AUTOMATED_SUBJECT.test(signals.subject.trim())) return 'subject';
  return undefined;
}

const AUTOREPLY_HEADERS = ['x-autoreply', 'x-autorespond', 'x-autoreply-from', 'x-mail-autoreply'];
const AUTOMATED_PRECEDENCE = new Set(['bulk', 'junk', 'list', 'auto_reply']);
const SYSTEM_LOCAL_PARTS = new Set(['mailer-daemon', 'postmaster']);
// Prefixes need their colon ("Automatic reply: <subject>"), so "Out of office hours?" from a person is no match.
const AUTOMATED_SUBJECT = new RegExp(
  [
    '^(automatic reply|auto[- ]?reply|autoreply|out of (the )?office( autoreply)?|abwesenheitsnotiz|automatische antwort|r[ée]ponse automatique|respuesta autom[áa]tica|undeliverable|undelivered)\\s*:',
    '^out of (the )?office$',
    '^undelivered mail returned to sender$',
    '^delivery status notification( \\((failure|delay)\\))?$',
    '^mail delivery (failed|failure|system)\\b',
    '^returned mail:',
  ].join('|'),
  'i',
);

function firstToken(value: string): string {
  return (value.split(';')[0] ?? '').trim().toLowerCase();
}

function isNullPath(value: string): boolean {
  const trimmed = value.trim();
  return trimmed === '' || trimmed === '<>';
}
