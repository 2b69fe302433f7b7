import { once } from 'node:events';
import { createServer } from 'node:http';

/**
 * A stand-in for a customer's website, on its own origin (another port of 127.0.0.1), so the browser
 * applies CORS to every call it makes to the API: `/demo` has the chat widget (one `<script>` tag, as
 * the README shows) and a web form posting to `POST /v1/channels/webform`. Its own styles are
 * deliberately rude to elements the widget also uses, to show that neither reaches the other.
 */

/** Where the demo page is served. */
export const DEMO_PATH = '/demo';

export interface DemoSiteOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  /** The API's URL; read per request, since the gateway may start after the site. */
  readonly apiUrl: () => string;
}

/** A running demo site. */
export interface DemoSite {
  /** e.g. `http://127.0.0.1:3001`: the origin the API must allow. */
  readonly origin: string;
  /** The demo page. */
  readonly url: string;
  stop(): Promise<void>;
}

/** The one line a site adds to get the chat widget. */
export function widgetSnippet(apiUrl: string): string {
  return `<script src="${apiUrl}/widget.js" data-carebridge-api="${apiUrl}" defer></script>`;
}

/** Starts the demo site on 127.0.0.1. */
export async function startDemoSite(options: DemoSiteOptions): Promise<DemoSite> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    request.resume();
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/') {
      response.writeHead(302, { location: DEMO_PATH }).end();
    } else if (path === DEMO_PATH) {
      const body = demoPage(options.apiUrl());
      response
        .writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-length': Buffer.byteLength(body),
          'cache-control': 'no-cache',
        })
        .end(request.method === 'HEAD' ? undefined : body);
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
    }
  });
  server.listen(options.port, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('the demo site is not listening on TCP');
  const origin = `http://127.0.0.1:${address.port}`;
  let stopped: Promise<void> | undefined;
  return {
    origin,
    url: `${origin}${DEMO_PATH}`,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function demoPage(apiUrl: string): string {
  const api = escapeHtml(apiUrl);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme Outfitters — help (carebridge demo)</title>
<style>
  body { font: 17px/1.6 Georgia, serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem 8rem; color: #222; }
  /* Rude rules a real site might have: none of them reaches the widget in its shadow root. */
  button { background: rgb(255, 105, 180) !important; font-family: "Comic Sans MS", cursive; border-radius: 0; }
  li { display: inline; color: red; }
  input, textarea { border: 3px dashed green; }
  label { display: block; margin-top: .75rem; }
  input, textarea { width: 100%; padding: .4rem; font: inherit; }
  .hp { position: absolute; left: -10000px; }
  code { background: #f3f3f3; padding: .1rem .3rem; }
  pre code { display: block; white-space: pre-wrap; overflow-wrap: anywhere; }
</style>
</head>
<body>
<h1>Acme Outfitters help</h1>
<p>This page stands in for your website, on another origin than the API (<code>${api}</code>), so
the browser checks CORS on every call. The chat button at the bottom right is the whole widget, added with
one line:</p>
<pre><code>${escapeHtml(widgetSnippet(apiUrl))}</code></pre>

<h2>Contact form</h2>
<form id="contact" data-testid="webform" novalidate>
  <label>Name <input name="name" autocomplete="name" data-testid="webform-name"></label>
  <label>Email <input name="email" type="email" autocomplete="email" required data-testid="webform-email"></label>
  <label>Message <textarea name="message" rows="4" required data-testid="webform-message"></textarea></label>
  <label class="hp" aria-hidden="true">Leave this empty <input name="website" tabindex="-1" autocomplete="off"></label>
  <p><button type="submit" data-testid="webform-submit">Send</button></p>
  <p role="status" data-testid="webform-status"></p>
</form>

<script>
  (() => {
    const api = ${JSON.stringify(apiUrl)};
    const form = document.getElementById('contact');
    const status = form.querySelector('[role=status]');
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const body = { message: String(data.get('message') || ''), submissionId: 'demo-' + crypto.getRandomValues(new Uint32Array(2)).join('-') };
      for (const field of ['name', 'email', 'website']) {
        const value = String(data.get(field) || '').trim();
        if (value) body[field] = value;
      }
      status.textContent = 'Sending…';
      try {
        const response = await fetch(api + '/v1/channels/webform', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const answer = await response.json();
        if (response.status === 202) {
          status.textContent = 'Thank you! Your reference: ' + answer.interactionId;
          form.reset();
        } else if (response.status === 400) {
          status.textContent = 'Please check: ' + answer.issues.map((issue) => issue.field).join(', ');
        } else {
          status.textContent = 'Sorry, that did not work (' + response.status + ').';
        }
      } catch {
        status.textContent = 'Sorry, we could not reach the server.';
      }
    });
  })();
</script>
${widgetSnippet(api)}
</body>
</html>
`;
}
