import type { HttpResult } from './http.js';

/**
 * The small HTML pages people open from a mail program (verification and unsubscribe links): a title, a
 * paragraph and optionally a one-button form posting one hidden field back to the page's own URL. Every
 * value written into them is escaped; they load nothing from elsewhere and are never cached or framed.
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

/** The form of a page: one hidden field and its button (no action: it posts to the same URL). */
export interface PageForm {
  readonly field: string;
  readonly value: string;
  readonly button: string;
}

export function htmlPage(statusCode: number, title: string, text: string, form?: PageForm): HttpResult {
  const formHtml =
    form === undefined
      ? ''
      : `<form method="post"><input type="hidden" name="${escapeHtml(form.field)}" value="${escapeHtml(form.value)}"><button type="submit">${escapeHtml(form.button)}</button></form>`;
  return {
    statusCode,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    },
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}button{font:inherit;padding:.5rem 1.5rem}</style></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>${formHtml}</body></html>`,
  };
}
