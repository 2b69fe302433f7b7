import type { HttpResult } from '../lib/http.js';

/**
 * The small HTML pages of the verification link: a person opens them from a mail program, so they are
 * pages, not JSON. Every value written into them is escaped; they load nothing from elsewhere.
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);
}

/** A page with a title, a paragraph and optionally a form posting `token` back to the same URL. */
export function page(statusCode: number, title: string, text: string, confirmToken?: string): HttpResult {
  const form =
    confirmToken === undefined
      ? ''
      : `<form method="post"><input type="hidden" name="token" value="${escapeHtml(confirmToken)}"><button type="submit">Confirm</button></form>`;
  return {
    statusCode,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    },
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}button{font:inherit;padding:.5rem 1.5rem}</style></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>${form}</body></html>`,
  };
}

export const INVALID_LINK_PAGE = () =>
  page(
    401,
    'This link does not work',
    'The link is not valid or has expired. Write to us again to get a new one.',
  );
