import { ValidationError } from '../../shared/errors.js';
import { HttpError, type HttpEvent, headerValue, readFormBody } from '../lib/http.js';

/** Largest one-click body accepted: the form is one short field. */
export const ONE_CLICK_BODY_MAX_BYTES = 4 * 1024;

/**
 * Reads the one-click POST's form fields. RFC 8058 lets mail providers send them as
 * `multipart/form-data` (what it recommends) or `application/x-www-form-urlencoded`; anything else is
 * 415, a body over `maxBytes` 413. Repeated fields keep their first value; file parts are ignored.
 * The result is still unvalidated.
 */
export async function readOneClickForm(event: HttpEvent, maxBytes: number): Promise<Record<string, string>> {
  const contentType = headerValue(event, 'content-type') ?? '';
  if (!/^multipart\/form-data\b/i.test(contentType)) return readFormBody(event, maxBytes);
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > maxBytes)
    throw new HttpError(413, 'payload_too_large', `body exceeds ${maxBytes} bytes`);
  let form: FormData;
  try {
    form = await new Response(bytes, { headers: { 'content-type': contentType } }).formData();
  } catch (error) {
    throw new ValidationError(
      'body is not valid multipart/form-data',
      [{ path: '(body)', message: 'malformed multipart body' }],
      { cause: error },
    );
  }
  const fields: Record<string, string> = {};
  for (const [name, value] of form) {
    if (typeof value === 'string') fields[name] ??= value;
  }
  return fields;
}
