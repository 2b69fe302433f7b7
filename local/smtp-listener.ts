import { once } from 'node:events';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';
import type { SmtpEnvelope } from '../shared/channels/email/store-received.js';

/**
 * The local stand-in for SES email receiving: an SMTP server on 127.0.0.1 that accepts mail for one
 * domain (like a receipt rule's recipient condition) and hands each message, raw, to `receive`, which
 * does what the receipt rule's actions do (store the MIME in S3, invoke the function). Any SMTP client
 * can send to it: swaks, nodemailer, a mail program pointed at localhost. No TLS, no authentication.
 */

export interface SmtpListenerOptions {
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Mail to addresses at this domain is accepted (like a receipt rule's recipient condition); others get 550. */
  readonly domain: string;
  /** Largest message accepted, in bytes; SES's 40 MB by default. */
  readonly maxMessageBytes?: number;
  /**
   * Takes a message the server accepted. The client hears 250 once it resolved; a rejection becomes a
   * temporary failure (451), so the sender retries as it would against SES.
   */
  readonly receive: (raw: Buffer, envelope: SmtpEnvelope) => Promise<void>;
  /** Where failures of `receive` are reported; console.error by default. */
  readonly onError?: (message: string, error: unknown) => void;
}

/** A running SMTP listener. */
export interface SmtpListener {
  readonly host: string;
  readonly port: number;
  /** Stops accepting connections and closes open ones; safe to call more than once. */
  stop(): Promise<void>;
}

/** SES accepts inbound messages up to 40 MB, headers included. */
const SES_MAX_MESSAGE_BYTES = 40 * 1024 * 1024;
/** SES accepts at most 50 recipients per message. */
const MAX_RECIPIENTS = 50;
/** How long stopping waits for a client in the middle of a message before cutting it off. */
const CLOSE_TIMEOUT_MS = 1_000;

/** An SMTP reply to send instead of the default one. */
class SmtpReplyError extends Error {
  override name = 'SmtpReplyError';

  constructor(
    readonly responseCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Starts the SMTP listener on 127.0.0.1. */
export async function startSmtpListener(options: SmtpListenerOptions): Promise<SmtpListener> {
  const onError = options.onError ?? ((message: string, error: unknown) => console.error(message, error));
  const domain = options.domain.toLowerCase();
  const server = new SMTPServer({
    name: domain,
    banner: 'carebridge local inbound SMTP',
    disabledCommands: ['AUTH', 'STARTTLS'],
    authOptional: true,
    size: options.maxMessageBytes ?? SES_MAX_MESSAGE_BYTES,
    rejectOversized: true,
    closeTimeout: CLOSE_TIMEOUT_MS,
    logger: false,
    onRcptTo: (address, session, callback) => {
      if (session.envelope.rcptTo.length >= MAX_RECIPIENTS) {
        callback(new SmtpReplyError(452, '4.5.3 Too many recipients'));
      } else if (!isAtDomain(address.address, domain)) {
        callback(
          new SmtpReplyError(550, `5.1.1 Recipient address rejected: this server takes mail for ${domain}`),
        );
      } else {
        callback();
      }
    },
    onData: (stream, session, callback) => {
      readMessage(stream).then(
        async (raw) => {
          // rejectOversized answers 552 itself; the stream is still read to the end.
          if (stream.sizeExceeded) return callback();
          const { mailFrom, rcptTo } = session.envelope;
          try {
            await options.receive(raw, {
              mailFrom: mailFrom === false ? '' : mailFrom.address,
              rcptTo: rcptTo.map((recipient) => recipient.address),
            });
            callback(null, 'Ok: queued');
          } catch (error) {
            onError('[smtp] a received message could not be stored', error);
            callback(new SmtpReplyError(451, '4.3.0 Temporary failure, try again later'));
          }
        },
        (error: unknown) => {
          onError('[smtp] reading a message failed', error);
          callback(new SmtpReplyError(451, '4.3.0 Temporary failure, try again later'));
        },
      );
    },
  });
  server.on('error', (error) => onError('[smtp] server error', error));
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server.server, 'listening');
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('the SMTP listener is not on TCP');
  let stopped: Promise<void> | undefined;
  return {
    host: '127.0.0.1',
    port: address.port,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return stopped;
    },
  };
}

function isAtDomain(address: string, domain: string): boolean {
  const at = address.lastIndexOf('@');
  if (at <= 0) return false;
  return address.slice(at + 1).toLowerCase() === domain;
}

function readMessage(stream: SMTPServerDataStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => {
      if (!stream.sizeExceeded) chunks.push(chunk);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
