import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { type Clock, epochSeconds } from '../clock.js';
import { isCustomerErased } from '../data-rights/tombstones.js';
import { DeliveryError } from '../errors.js';
import type { Db } from '../store/db.js';
import { reserveVerificationMail } from '../store/verification-mails.js';
import { issueVerificationToken, verificationLink } from './verification-link.js';
import type { EmailVerificationRequest } from './verification-request.js';

/** What mailing verification links needs; built once at module scope by the handler. */
export interface VerificationMailer {
  readonly db: Db;
  readonly ses: SESv2Client;
  readonly clock: Clock;
  /** The support address the link comes from. */
  readonly from: { readonly address: string; readonly name?: string | undefined };
  /** The public URL of `GET /v1/identity/verify`. */
  readonly verifyUrl: string;
  readonly identitySecret: () => Promise<Uint8Array>;
}

export const VERIFICATION_SUBJECT = 'Confirm your email address';

/**
 * Mails a one-time link that proves `request.email` for the customer who claimed it, at most once per
 * address per hour (a retry of the same request, `requestId`, is let through so a failed send is not
 * lost). The link opens a confirmation page; nothing is proven until the person there confirms. A
 * customer erased since the request was queued gets nothing (`erased`).
 * Throws DeliveryError when SES refuses, so the queue retries and finally dead-letters.
 */
export async function mailVerificationLink(
  mailer: VerificationMailer,
  request: EmailVerificationRequest,
  requestId: string,
): Promise<'sent' | 'throttled' | 'erased'> {
  // The customer was erased while the request waited: their address gets nothing (docs/data-rights.md).
  if (await isCustomerErased(mailer.db, request.customerId)) return 'erased';
  const now = epochSeconds(mailer.clock);
  if (!(await reserveVerificationMail(mailer.db, request.email, requestId, now))) return 'throttled';
  const token = await issueVerificationToken(
    await mailer.identitySecret(),
    { customerId: request.customerId, email: request.email },
    mailer.clock,
  );
  const from = mailer.from.name
    ? `"${mailer.from.name.replace(/["\\\r\n]/g, '')}" <${mailer.from.address}>`
    : mailer.from.address;
  try {
    await mailer.ses.send(
      new SendEmailCommand({
        FromEmailAddress: from,
        Destination: { ToAddresses: [request.email] },
        Content: {
          Simple: {
            Subject: { Data: VERIFICATION_SUBJECT, Charset: 'UTF-8' },
            Body: {
              Text: { Data: verificationText(verificationLink(mailer.verifyUrl, token)), Charset: 'UTF-8' },
            },
          },
        },
      }),
    );
  } catch (error) {
    throw new DeliveryError('SES did not take the verification email', { cause: error });
  }
  return 'sent';
}

/** The mail's text: what the link does, and that ignoring it links nothing. */
export function verificationText(link: string): string {
  return [
    'Someone, we hope you, contacted us and gave this email address.',
    '',
    'To confirm that the address is yours, so our answers and your earlier messages can be linked to it,',
    'open this link within 24 hours and press "Confirm":',
    '',
    link,
    '',
    'If it was not you, ignore this email: nothing will be linked to your address.',
  ].join('\n');
}
