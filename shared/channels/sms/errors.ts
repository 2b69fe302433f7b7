import { DeliveryError } from '../../errors.js';

/**
 * An SMS provider refused a message. `code` is the provider's error code (Twilio's numeric code, or the
 * AWS exception name), kept for logs and metrics; the message never carries the number or the text.
 */
export class SmsProviderError extends DeliveryError {
  override name = 'SmsProviderError';
  constructor(
    readonly provider: 'twilio' | 'eum',
    readonly code: string | undefined,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
