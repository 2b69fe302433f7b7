import { CarebridgeError, DeliveryError } from '../../errors.js';

/**
 * The raw message is not where the receipt rule stored it (or is empty). Thrown so the Lambda's async
 * retries and then its on-failure destination take the event: the message is never silently lost.
 */
export class RawEmailMissingError extends CarebridgeError {
  override name = 'RawEmailMissingError';
}

/**
 * The MIME parser refused the message outright (nesting or header limits). Such a message is
 * quarantined (`unparseable`) rather than retried: a retry would refuse it again.
 */
export class EmailParseError extends CarebridgeError {
  override name = 'EmailParseError';
}

/**
 * The message's own header section is larger than carebridge parses (e.g. a Subject of megabytes). The
 * message is recorded by the headers SES reported, as an oversized one is.
 */
export class EmailHeadersTooLargeError extends EmailParseError {
  override name = 'EmailHeadersTooLargeError';
  constructor(readonly limit: number) {
    super(`the header section is over ${limit} bytes`);
  }
}

/** SES refused or failed to take an outbound email; `code` is the AWS exception name, for logs. */
export class EmailProviderError extends DeliveryError {
  override name = 'EmailProviderError';
  constructor(
    readonly code: string | undefined,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
