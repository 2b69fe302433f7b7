import { htmlPage } from '../lib/html-page.js';
import type { HttpResult } from '../lib/http.js';

/**
 * The small HTML pages of the verification link: a person opens them from a mail program, so they are
 * pages, not JSON. Every value written into them is escaped; they load nothing from elsewhere.
 */

/** A page with a title, a paragraph and optionally a form posting `token` back to the same URL. */
export function page(statusCode: number, title: string, text: string, confirmToken?: string): HttpResult {
  return htmlPage(
    statusCode,
    title,
    text,
    confirmToken === undefined ? undefined : { field: 'token', value: confirmToken, button: 'Confirm' },
  );
}

export const INVALID_LINK_PAGE = () =>
  page(
    401,
    'This link does not work',
    'The link is not valid or has expired. Write to us again to get a new one.',
  );
