/**
 * Domain errors. Every error the domain raises on purpose extends CarebridgeError; the HTTP edge maps
 * them to status codes (shared/http/errors.ts) and anything else becomes a generic 500.
 */
export class CarebridgeError extends Error {
  override name = 'CarebridgeError';
}

/** Input failed validation; `issues` name each failing field. */
export class ValidationError extends CarebridgeError {
  override name = 'ValidationError';
  constructor(
    message: string,
    readonly issues: readonly { path: string; message: string }[],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The thing asked for does not exist. */
export class NotFoundError extends CarebridgeError {
  override name = 'NotFoundError';
}

/** The request conflicts with the current state (e.g. an id reused for different content). */
export class ConflictError extends CarebridgeError {
  override name = 'ConflictError';
}

/**
 * An idempotency key (a web-form `submissionId`, a chat `clientMessageId`, a provider message id) came
 * back with different content or from another sender: not a retry, so it is refused, never answered
 * with the first message's ids.
 */
export class IdempotencyKeyReusedError extends ConflictError {
  override name = 'IdempotencyKeyReusedError';
}

/** The caller is not allowed to do this (authenticated, but lacks the role). */
export class ForbiddenError extends CarebridgeError {
  override name = 'ForbiddenError';
}

/** The caller is not authenticated. */
export class UnauthorizedError extends CarebridgeError {
  override name = 'UnauthorizedError';
}

/** Optimistic concurrency lost too many times in a row; safe to retry the whole operation. */
export class ContentionError extends CarebridgeError {
  override name = 'ContentionError';
}

/** A provider refused or failed to take an outbound message. */
export class DeliveryError extends CarebridgeError {
  override name = 'DeliveryError';
}

/**
 * A message cannot be sent to this customer on this channel: they opted out, the address is
 * undeliverable, they have no address for it, or the only address is a claim this conversation does not
 * vouch for. `reason` is stable for clients to branch on.
 */
export class NotDeliverableError extends ConflictError {
  override name = 'NotDeliverableError';
  constructor(
    readonly reason:
      | 'opted_out'
      | 'undeliverable'
      | 'no_address'
      | 'unverified_address'
      | 'channel_unavailable',
    message: string,
  ) {
    super(message);
  }
}
