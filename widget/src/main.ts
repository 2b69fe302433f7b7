import { ChatClient } from './chat-client.js';
import { ChatView } from './chat-view.js';

/**
 * The carebridge chat widget. A site adds one tag:
 *
 *   <script src="https://…/widget.js" data-carebridge-api="https://api.example.com" defer></script>
 *
 * `data-carebridge-api` names the carebridge HTTP API (the script's own origin when absent);
 * `data-title` the launcher's text. The widget lives in a shadow root on a `<carebridge-chat>` element
 * at the end of the body, so the page's styles and its own never meet.
 */

const script = document.currentScript instanceof HTMLScriptElement ? document.currentScript : undefined;

function mount(): void {
  if (document.querySelector('carebridge-chat')) return;
  const source = script ?? document.querySelector<HTMLScriptElement>('script[data-carebridge-api]');
  const api = (
    source?.dataset.carebridgeApi ?? (source ? new URL(source.src).origin : location.origin)
  ).replace(/\/+$/, '');
  const host = document.createElement('carebridge-chat');
  const root = host.attachShadow({ mode: 'open' });
  const view = new ChatView(root, source?.dataset.title ?? 'Chat with us');
  const client = new ChatClient(api, view, {
    fetch: (input, init) => fetch(input, init),
    WebSocket,
    storage: sessionStorageOrNothing(),
    now: () => Date.now(),
    random: () => Math.random(),
    isOnline: () => navigator.onLine,
  });
  view.bind(client);
  window.addEventListener('online', () => client.networkOnline());
  document.body.append(host);
}

/** sessionStorage, unless the browser refuses it (privacy settings): then the chat lasts one page. */
function sessionStorageOrNothing(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}

if (document.body) mount();
else document.addEventListener('DOMContentLoaded', mount, { once: true });
