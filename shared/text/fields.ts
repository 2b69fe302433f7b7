import * as z from 'zod/mini';
import { messageBody, noLoneSurrogates, singleLine } from './sanitize.js';

/**
 * zod/mini fields for text our own public APIs accept (web form, chat): lone surrogates are refused with
 * a message naming the field; what is kept is sanitized (shared/text/sanitize.ts).
 */

/** A single-line field (a name, a subject) of at most `maxChars`: control and bidi characters removed. */
export function singleLineField(maxChars: number) {
  return z.pipe(
    z.string().check(z.maxLength(maxChars), noLoneSurrogates()),
    z.transform((text: string) => singleLine(text)),
  );
}

/**
 * A message body of at most `maxBytes` UTF-8 bytes: newlines and tabs kept, other control and bidi
 * characters removed, trimmed, and not empty after that.
 */
export function messageBodyField(maxBytes: number) {
  return z.pipe(
    z.string().check(
      noLoneSurrogates(),
      z.refine((text) => Buffer.byteLength(text, 'utf8') <= maxBytes, {
        message: `must be at most ${maxBytes} bytes`,
      }),
    ),
    z.pipe(
      z.transform((text: string) => messageBody(text).trim()),
      z.string().check(z.minLength(1, 'must not be empty')),
    ),
  );
}
