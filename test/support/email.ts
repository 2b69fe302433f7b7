import { Readable } from 'node:stream';
import { sdkStreamMixin } from '@smithy/util-stream';
import { parseEmail } from '../../shared/channels/email/parse-email.js';
import { emailToInbound, type ReceivedEnvelope } from '../../shared/channels/email/to-inbound.js';
import type { InboundMessage } from '../../shared/schemas/index.js';
import { loadRaw } from './events.js';

/** What SES reports with a test message; override what the test is about. */
export function receivedEnvelope(changes: Partial<ReceivedEnvelope> = {}): ReceivedEnvelope {
  return {
    sesMessageId: 'o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1',
    receivedAt: '2026-11-26T12:00:00.000Z',
    envelopeSender: 'bounce+x@sender.example',
    recipients: ['support@help.example.com'],
    rawLocation: 's3://carebridge-inbound/inbound/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1',
    ...changes,
  };
}

/** Parses raw MIME (a fixture name under events/email/ or bytes) into the canonical message; fails if none. */
export async function inboundFromMime(
  raw: string | Uint8Array,
  changes: Partial<ReceivedEnvelope> = {},
): Promise<{ message: InboundMessage; threadKeys: readonly string[] }> {
  const bytes = typeof raw === 'string' ? loadRaw(`email/${raw}`) : raw;
  const inbound = emailToInbound(await parseEmail(bytes), receivedEnvelope(changes));
  if (inbound.kind !== 'message') throw new Error('expected a recordable message');
  return inbound;
}

/** Raw MIME from lines, CRLF-terminated as on the wire. */
export function mime(...lines: string[]): Buffer {
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
}

/** A header folded over lines of at most 78 characters, its value `words` joined by spaces. */
export function foldedHeader(name: string, words: readonly string[]): string[] {
  const lines: string[] = [];
  let line = `${name}:`;
  for (const word of words) {
    if (line.length + 1 + word.length > 78) {
      lines.push(line);
      line = ` ${word}`;
    } else {
      line = `${line} ${word}`;
    }
  }
  return [...lines, line];
}

/** A message whose multiparts nest `depth` levels deep, a text part at the bottom. */
export function nestedMime(depth: number, ...headers: string[]): Buffer {
  const open = Array.from({ length: depth }, (_, level) => [
    `Content-Type: multipart/mixed; boundary="b${level}"`,
    '',
    `--b${level}`,
  ]).flat();
  return mime(...headers, ...open, 'Content-Type: text/plain', '', 'deep');
}

/** An S3 GetObject body for aws-sdk-client-mock, as the SDK returns it. */
export function s3Body(bytes: Uint8Array) {
  return sdkStreamMixin(Readable.from([Buffer.from(bytes)]));
}
