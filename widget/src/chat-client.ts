/**
 * The chat widget's conversation with carebridge, without any DOM: starts a session
 * (`POST /v1/chat/sessions`), keeps a WebSocket open (reconnecting with backoff), sends with a
 * `clientMessageId` and resends what was not acknowledged after a reconnect, fetches the history
 * (`GET /v1/chat/sessions/{id}/messages`) whenever it (re)connects, and says when the session is over.
 * The wire protocol is docs/chat.md.
 */

/** A session as `POST /v1/chat/sessions` answers it; kept in sessionStorage across page loads. */
export interface ChatSession {
  readonly visitorId: string;
  readonly token: string;
  readonly expiresAt: string;
  readonly wsUrl: string;
}

/** One message as the widget shows it. */
export interface ChatMessage {
  /** Stable within the page: the visitor's clientMessageId, or the interaction id of an agent reply. */
  readonly key: string;
  readonly from: 'visitor' | 'agent';
  readonly body: string;
  interactionId?: string;
  /** Visitor messages: pending until acknowledged, failed when refused. */
  status: 'pending' | 'sent' | 'failed';
}

/** Where the connection is. */
export type ConnectionState = 'idle' | 'connecting' | 'online' | 'reconnecting' | 'offline' | 'expired';

/** What the client tells its view. */
export interface ChatClientListener {
  onState(state: ConnectionState, retryInMs?: number): void;
  /** A message was added or changed. */
  onMessage(message: ChatMessage, added: boolean): void;
  /** Something the visitor should read (a refused email, a failed send). */
  onNotice(text: string): void;
}

/** The browser facilities the client uses; tests may pass others. */
export interface ChatEnvironment {
  readonly fetch: typeof fetch;
  readonly WebSocket: typeof WebSocket;
  readonly storage?: Storage;
  readonly now: () => number;
  readonly random: () => number;
  readonly isOnline: () => boolean;
}

const MAX_BACKOFF_MS = 15_000;
const FIRST_BACKOFF_MS = 500;

/**
 * The wait before reconnect attempt `attempt` (0 first): doubling from 0.5 s up to 15 s, with ±20 %
 * jitter so many visitors cut off together do not come back together.
 */
export function backoffDelay(attempt: number, random: () => number): number {
  const base = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.min(attempt, 10));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** A new idempotency key: letters and digits, well within the protocol's 64 characters. */
export function newClientMessageId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `m-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

interface ServerFrame {
  readonly type?: unknown;
  readonly clientMessageId?: unknown;
  readonly interactionId?: unknown;
  readonly error?: unknown;
  readonly message?: unknown;
}

interface MessageView {
  readonly interactionId: string;
  readonly from: 'visitor' | 'agent';
  readonly body: string;
  readonly clientMessageId?: string;
}

function isMessageView(value: unknown): value is MessageView {
  if (typeof value !== 'object' || value === null) return false;
  const view = value as Record<string, unknown>;
  return (
    typeof view.interactionId === 'string' &&
    (view.from === 'visitor' || view.from === 'agent') &&
    typeof view.body === 'string'
  );
}

/** The widget's chat: one per page. */
export class ChatClient {
  private session: ChatSession | undefined;
  private socket: WebSocket | undefined;
  private state: ConnectionState = 'idle';
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly messages: ChatMessage[] = [];
  private readonly storageKey: string;

  constructor(
    private readonly apiUrl: string,
    private readonly listener: ChatClientListener,
    private readonly env: ChatEnvironment,
  ) {
    this.storageKey = `carebridge-chat:${apiUrl}`;
    this.session = this.readStoredSession();
  }

  /** True when a session exists (stored from an earlier page load or started here). */
  get hasSession(): boolean {
    return this.session !== undefined;
  }

  /** Reconnects a stored session, if any (a page load in the middle of a chat). */
  resume(): void {
    if (this.session && this.state === 'idle') this.connect();
  }

  /**
   * Sends `text`, starting a session first when there is none (with the optional name and email). The
   * message is shown at once as pending and sent as soon as the socket is open.
   */
  async send(text: string, identity: { name?: string; email?: string } = {}): Promise<boolean> {
    if (this.state === 'expired') return false;
    if (!this.session) {
      const started = await this.startSession(identity);
      if (!started) return false;
    }
    const message: ChatMessage = {
      key: newClientMessageId(),
      from: 'visitor',
      body: text,
      status: 'pending',
    };
    this.messages.push(message);
    this.listener.onMessage(message, true);
    if (this.state === 'idle') this.connect();
    else this.transmit(message);
    return true;
  }

  /** Forgets the session and its messages: the next send starts a new chat. */
  reset(): void {
    this.close();
    this.session = undefined;
    this.env.storage?.removeItem(this.storageKey);
    this.messages.length = 0;
    this.attempt = 0;
    this.setState('idle');
  }

  /** The network came back: reconnect now rather than at the end of the backoff. */
  networkOnline(): void {
    if (this.state === 'offline' || this.state === 'reconnecting') {
      this.attempt = 0;
      this.connect();
    }
  }

  private async startSession(identity: { name?: string; email?: string }): Promise<boolean> {
    const body: Record<string, string> = {};
    if (identity.name?.trim()) body.name = identity.name.trim();
    if (identity.email?.trim()) body.email = identity.email.trim();
    let response: Response;
    try {
      response = await this.env.fetch(`${this.apiUrl}/v1/chat/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    } catch {
      this.listener.onNotice('We could not reach the chat. Check your connection and try again.');
      return false;
    }
    const answer: unknown = await response.json().catch(() => undefined);
    if (response.status === 400) {
      this.listener.onNotice(validationNotice(answer));
      return false;
    }
    const session = response.status === 201 ? sessionFrom(answer) : undefined;
    if (!session) {
      this.listener.onNotice(
        response.status === 429 ? 'The chat is busy; try again in a moment.' : 'The chat could not start.',
      );
      return false;
    }
    this.session = session;
    this.env.storage?.setItem(this.storageKey, JSON.stringify(session));
    return true;
  }

  private connect(): void {
    const session = this.session;
    if (!session) return;
    clearTimeout(this.retryTimer);
    if (this.isExpired(session)) {
      this.expire();
      return;
    }
    if (!this.env.isOnline()) {
      this.setState('offline');
      return;
    }
    this.setState(this.attempt === 0 && this.state !== 'reconnecting' ? 'connecting' : 'reconnecting');
    let opened = false;
    const socket = new this.env.WebSocket(`${session.wsUrl}?token=${encodeURIComponent(session.token)}`);
    this.socket = socket;
    socket.addEventListener('open', () => {
      opened = true;
      void this.catchUp(socket);
    });
    socket.addEventListener('message', (event) => {
      if (typeof event.data === 'string') this.receive(event.data);
    });
    socket.addEventListener('close', () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      void this.afterClose(opened);
    });
  }

  /** After (re)connecting: the history since the last message seen, then what was never acknowledged. */
  private async catchUp(socket: WebSocket): Promise<void> {
    const fetched = await this.fetchHistory();
    if (fetched === 'expired') {
      this.expire();
      return;
    }
    if (this.socket !== socket) return;
    this.attempt = 0;
    this.setState('online');
    for (const message of this.messages) {
      if (message.from === 'visitor' && message.status === 'pending') this.transmit(message);
    }
  }

  private async afterClose(opened: boolean): Promise<void> {
    const session = this.session;
    if (!session || this.state === 'expired' || this.state === 'idle') return;
    if (this.isExpired(session)) {
      this.expire();
      return;
    }
    // A handshake refused at once may mean the token is no longer accepted: the history says so (401).
    if (!opened && (await this.fetchHistory()) === 'expired') {
      this.expire();
      return;
    }
    if (!this.env.isOnline()) {
      this.setState('offline');
      return;
    }
    const delay = backoffDelay(this.attempt, this.env.random);
    this.attempt += 1;
    this.setState('reconnecting', delay);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /** Reads the history page by page; 'expired' when the token is refused. */
  private async fetchHistory(): Promise<'ok' | 'expired' | 'unreachable'> {
    const session = this.session;
    if (!session) return 'expired';
    for (let page = 0; page < 20; page++) {
      const after = this.lastInteractionId();
      const query = after ? `?after=${encodeURIComponent(after)}` : '';
      let response: Response;
      try {
        response = await this.env.fetch(
          `${this.apiUrl}/v1/chat/sessions/${encodeURIComponent(session.visitorId)}/messages${query}`,
          { headers: { authorization: `Bearer ${session.token}` }, cache: 'no-store' },
        );
      } catch {
        return 'unreachable';
      }
      if (response.status === 401) return 'expired';
      if (!response.ok) return 'unreachable';
      const answer = (await response.json().catch(() => undefined)) as
        | { messages?: unknown; hasMore?: unknown }
        | undefined;
      const views = Array.isArray(answer?.messages) ? answer.messages.filter(isMessageView) : [];
      for (const view of views) this.record(view);
      if (answer?.hasMore !== true || views.length === 0) return 'ok';
    }
    return 'ok';
  }

  private receive(data: string): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(data) as ServerFrame;
    } catch {
      return;
    }
    if (frame.type === 'ack' && typeof frame.clientMessageId === 'string') {
      const message = this.messages.find((entry) => entry.key === frame.clientMessageId);
      if (message && typeof frame.interactionId === 'string') {
        message.interactionId = frame.interactionId;
        message.status = 'sent';
        this.listener.onMessage(message, false);
      }
    } else if (frame.type === 'message' && isMessageView(frame.message)) {
      this.record(frame.message);
    } else if (frame.type === 'error') {
      if (frame.error === 'session_expired') {
        this.expire();
        return;
      }
      const message = this.messages.find((entry) => entry.key === frame.clientMessageId);
      if (message) {
        message.status = 'failed';
        this.listener.onMessage(message, false);
      }
      this.listener.onNotice(
        frame.error === 'payload_too_large' ? 'That message is too long.' : 'A message could not be sent.',
      );
    }
  }

  /** A message from the history or a push: added once, or reconciled with a pending send. */
  private record(view: MessageView): void {
    if (this.messages.some((entry) => entry.interactionId === view.interactionId)) return;
    const own =
      view.clientMessageId === undefined
        ? undefined
        : this.messages.find((entry) => entry.key === view.clientMessageId);
    if (own) {
      own.interactionId = view.interactionId;
      own.status = 'sent';
      this.listener.onMessage(own, false);
      return;
    }
    const message: ChatMessage = {
      key: view.clientMessageId ?? view.interactionId,
      from: view.from,
      body: view.body,
      interactionId: view.interactionId,
      status: 'sent',
    };
    this.messages.push(message);
    this.listener.onMessage(message, true);
  }

  private transmit(message: ChatMessage): void {
    if (this.socket?.readyState !== this.env.WebSocket.OPEN || this.state !== 'online') return;
    this.socket.send(
      JSON.stringify({ action: 'sendMessage', clientMessageId: message.key, text: message.body }),
    );
  }

  private lastInteractionId(): string | undefined {
    let last: string | undefined;
    for (const { interactionId } of this.messages) {
      if (interactionId !== undefined && (last === undefined || interactionId > last)) last = interactionId;
    }
    return last;
  }

  private isExpired(session: ChatSession): boolean {
    return Date.parse(session.expiresAt) <= this.env.now();
  }

  private expire(): void {
    this.close();
    this.env.storage?.removeItem(this.storageKey);
    this.setState('expired');
  }

  private close(): void {
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = undefined;
    socket?.close();
  }

  private setState(state: ConnectionState, retryInMs?: number): void {
    this.state = state;
    this.listener.onState(state, retryInMs);
  }

  private readStoredSession(): ChatSession | undefined {
    try {
      const stored = this.env.storage?.getItem(this.storageKey);
      return stored ? sessionFrom(JSON.parse(stored)) : undefined;
    } catch {
      return undefined;
    }
  }
}

function sessionFrom(value: unknown): ChatSession | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { visitorId, token, expiresAt, wsUrl } = value as Record<string, unknown>;
  if (
    typeof visitorId !== 'string' ||
    typeof token !== 'string' ||
    typeof expiresAt !== 'string' ||
    typeof wsUrl !== 'string'
  ) {
    return undefined;
  }
  return { visitorId, token, expiresAt, wsUrl };
}

/** The field named by a 400 answer, in words for the visitor. */
function validationNotice(answer: unknown): string {
  const issues = (answer as { issues?: { field?: unknown; message?: unknown }[] } | undefined)?.issues ?? [];
  const fields = issues.map((issue) => issue.field).filter((field) => typeof field === 'string');
  if (fields.includes('email')) return 'Please check the email address.';
  if (fields.includes('name')) return 'Please check your name.';
  return 'The chat could not start with those details.';
}
