import type { ChatClient, ChatMessage, ConnectionState } from './chat-client.js';
import { STYLES } from './styles.js';

/**
 * The widget's DOM, in a shadow root: a launcher button and a chat panel. Keyboard only works throughout
 * (Enter sends, Shift+Enter breaks the line, Escape closes and gives focus back to the launcher), new
 * messages are announced by the list's live region (role `log`), the connection state by a `status`.
 * Stable hooks for tests and integrators: `data-testid` cb-launcher, cb-name, cb-email, cb-input,
 * cb-send, cb-messages (one child per message; `data-from` agent or visitor), cb-status, cb-expired.
 */

const STATE_TEXT: Readonly<Record<ConnectionState, string>> = {
  idle: 'Write to us; an agent answers here.',
  connecting: 'Connecting…',
  online: 'Connected',
  reconnecting: 'Connection lost. Reconnecting…',
  offline: 'You are offline. We will reconnect when the network is back.',
  expired: 'This chat has ended.',
};

/** Builds an element with attributes and children. */
function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** The launcher and panel, bound to a chat client. */
export class ChatView {
  readonly launcher = el('button', {
    type: 'button',
    class: 'launcher',
    'data-testid': 'cb-launcher',
    'aria-expanded': 'false',
    'aria-controls': 'cb-panel',
  });
  private readonly panel: HTMLElement;
  private readonly status = el('p', { class: 'status', role: 'status', 'data-testid': 'cb-status' });
  private readonly list = el('ol', {
    'data-testid': 'cb-messages',
    role: 'log',
    'aria-live': 'polite',
    'aria-relevant': 'additions',
    'aria-label': 'Messages',
    tabindex: '0',
  });
  private readonly notice = el('p', { class: 'notice', role: 'alert', hidden: '' });
  private readonly expired: HTMLElement;
  private readonly form = el('form', { 'aria-label': 'Write a message' });
  private readonly who = el('div', { class: 'who' });
  private readonly name = el('input', { id: 'cb-name', 'data-testid': 'cb-name', autocomplete: 'name' });
  private readonly email = el('input', {
    id: 'cb-email',
    'data-testid': 'cb-email',
    type: 'email',
    autocomplete: 'email',
  });
  private readonly input = el('textarea', {
    id: 'cb-input',
    'data-testid': 'cb-input',
    rows: '2',
    maxlength: '4000',
  });
  private readonly sendButton = el('button', { type: 'submit', 'data-testid': 'cb-send' }, 'Send');
  private readonly items = new Map<string, HTMLLIElement>();
  private client: ChatClient | undefined;

  constructor(
    root: ShadowRoot,
    private readonly title: string,
  ) {
    this.launcher.textContent = title;
    const close = el('button', { type: 'button', class: 'close', 'aria-label': 'Close the chat' }, '×');
    const restart = el('button', { type: 'button', 'data-testid': 'cb-restart' }, 'Start a new chat');
    this.expired = el(
      'div',
      { class: 'expired', 'data-testid': 'cb-expired', hidden: '' },
      el('p', {}, 'This chat session has ended (sessions last 24 hours). Your messages were received.'),
      restart,
    );
    this.who.append(
      el('label', { for: 'cb-name' }, 'Name (optional)', this.name),
      el('label', { for: 'cb-email' }, 'Email (optional)', this.email),
    );
    this.form.append(
      this.who,
      el(
        'div',
        { class: 'row' },
        el('label', { for: 'cb-input' }, el('span', { class: 'hidden-label' }, 'Message'), this.input),
        this.sendButton,
      ),
    );
    this.panel = el(
      'section',
      { id: 'cb-panel', class: 'panel', role: 'dialog', 'aria-labelledby': 'cb-title', hidden: '' },
      el('header', {}, el('h2', { id: 'cb-title' }, title), close),
      this.status,
      this.list,
      this.notice,
      this.expired,
      this.form,
    );
    root.append(el('style', {}, STYLES), this.panel, this.launcher);

    this.launcher.addEventListener('click', () => this.toggle());
    close.addEventListener('click', () => this.toggle(false));
    restart.addEventListener('click', () => {
      this.client?.reset();
      this.input.focus();
    });
    this.panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.toggle(false);
    });
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.form.requestSubmit();
      }
    });
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.submit();
    });
  }

  /** Connects the view to its client (they need each other). */
  bind(client: ChatClient): void {
    this.client = client;
    this.who.hidden = client.hasSession;
    this.onState('idle');
  }

  /** Opens or closes the panel; opening resumes a stored chat and puts the focus in the message field. */
  toggle(open = this.panel.hidden): void {
    this.panel.hidden = !open;
    this.launcher.setAttribute('aria-expanded', String(open));
    this.launcher.textContent = open ? 'Close chat' : this.title;
    if (open) {
      this.client?.resume();
      this.input.focus();
    } else {
      this.launcher.focus();
    }
  }

  onState(state: ConnectionState, retryInMs?: number): void {
    const retry = retryInMs === undefined ? '' : ` (in ${Math.ceil(retryInMs / 1000)} s)`;
    this.status.textContent = `${STATE_TEXT[state]}${state === 'reconnecting' ? retry : ''}`;
    this.status.dataset.state = state;
    const ended = state === 'expired';
    this.expired.hidden = !ended;
    this.form.hidden = ended;
    if (state === 'idle') {
      this.list.replaceChildren();
      this.items.clear();
      this.who.hidden = this.client?.hasSession ?? false;
    }
  }

  onMessage(message: ChatMessage, added: boolean): void {
    const item = this.items.get(message.key) ?? el('li');
    item.dataset.from = message.from;
    item.dataset.status = message.status;
    if (message.interactionId) item.dataset.interactionId = message.interactionId;
    const meta =
      message.from === 'agent'
        ? 'Agent'
        : message.status === 'sent'
          ? 'You'
          : `You · ${message.status === 'pending' ? 'sending…' : 'not sent'}`;
    item.replaceChildren(message.body, el('span', { class: 'meta' }, meta));
    if (added) this.items.set(message.key, item);
    this.place(item);
    if (added) this.list.scrollTop = this.list.scrollHeight;
  }

  /**
   * Keeps the list in the order the messages were recorded (their interaction ids are ULIDs), as the
   * history shows it after a reload; messages not yet acknowledged stay at the end.
   */
  private place(item: HTMLLIElement): void {
    const id = item.dataset.interactionId;
    const idOf = (element: Element | null) =>
      element instanceof HTMLElement ? element.dataset.interactionId : undefined;
    const previous = item.previousElementSibling;
    const next = item.nextElementSibling;
    const inPlace =
      item.parentNode === this.list &&
      (id === undefined
        ? next === null || idOf(next) === undefined
        : (previous === null || ((idOf(previous) ?? '') !== '' && (idOf(previous) ?? '') < id)) &&
          (next === null || idOf(next) === undefined || (idOf(next) ?? '') > id));
    if (inPlace) return;
    const before =
      id === undefined
        ? null
        : [...this.list.children].find(
            (other) => other !== item && (idOf(other) === undefined || (idOf(other) ?? '') > id),
          );
    this.list.insertBefore(item, before ?? null);
  }

  onNotice(text: string): void {
    this.notice.textContent = text;
    this.notice.hidden = false;
  }

  private async submit(): Promise<void> {
    const text = this.input.value.trim();
    if (!text || !this.client) return;
    this.notice.hidden = true;
    this.sendButton.disabled = true;
    try {
      const sent = await this.client.send(text, { name: this.name.value, email: this.email.value });
      if (sent) {
        this.input.value = '';
        this.who.hidden = true;
      }
    } finally {
      this.sendButton.disabled = false;
      this.input.focus();
    }
  }
}
