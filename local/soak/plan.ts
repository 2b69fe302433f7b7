import { mulberry32 } from '../faults.js';

/**
 * What a soak sends: N messages from a few hundred people, each with an email and a phone, over the four
 * channels, so that the same person reaches us on several channels (merges happen under load). Every
 * identity is verified — SMS senders by Twilio's signature, email by DMARC (the local SMTP path passes),
 * web-form and chat identities signed by the site — so the customers to expect are the connected
 * components of the identities that messages carried together.
 */

export type SoakChannel = 'webform' | 'sms' | 'email' | 'chat';

export interface SoakPerson {
  readonly index: number;
  readonly email: string;
  readonly phone: string;
}

export interface SoakMessage {
  /** 0-based; part of the body's marker, the web form's submissionId and the chat clientMessageId. */
  readonly n: number;
  readonly person: SoakPerson;
  readonly channel: SoakChannel;
  /** A web form that also gives the (signed) phone: it joins the person's email and phone. */
  readonly withPhone: boolean;
  readonly body: string;
}

export interface SoakPlan {
  readonly run: string;
  readonly people: readonly SoakPerson[];
  readonly messages: readonly SoakMessage[];
}

/** The channel mix: web form and SMS most, then email and chat. */
const CHANNEL_WEIGHTS: readonly (readonly [SoakChannel, number])[] = [
  ['webform', 0.25],
  ['sms', 0.35],
  ['email', 0.2],
  ['chat', 0.2],
];
/** Share of web forms that give the phone too. */
const WEBFORM_PHONE_SHARE = 0.35;
/** Area codes whose numbers libphonenumber takes as valid US numbers. */
const AREA_CODES = ['415', '628', '650', '510', '212', '646', '312', '617', '206', '303'];

/** People to use for `messages` messages when the caller names no number: a few hundred at most. */
export function defaultPeople(messages: number): number {
  return Math.min(300, Math.max(10, Math.floor(messages / 5)));
}

/** A deterministic plan for `seed`: the same seed and sizes give the same messages. */
export function planSoak(options: { messages: number; people: number; seed: number; run: string }): SoakPlan {
  const random = mulberry32(options.seed);
  const phones = new Set<string>();
  const people: SoakPerson[] = [];
  for (let index = 0; index < options.people; index++) {
    let phone: string;
    do {
      const area = AREA_CODES[Math.floor(random() * AREA_CODES.length)] ?? '415';
      const exchange = 200 + Math.floor(random() * 800);
      const line = String(Math.floor(random() * 10_000)).padStart(4, '0');
      phone = `+1${area}${exchange}${line}`;
    } while (phones.has(phone));
    phones.add(phone);
    people.push({ index, email: `p${index}-${options.run}@soak.example.com`, phone });
  }
  const messages: SoakMessage[] = [];
  for (let n = 0; n < options.messages; n++) {
    const person = people[Math.floor(random() * people.length)];
    if (person === undefined) throw new Error('a soak needs at least one person');
    const channel = pickChannel(random());
    messages.push({
      n,
      person,
      channel,
      withPhone: channel === 'webform' && random() < WEBFORM_PHONE_SHARE,
      body: `${soakMarker(options.run, n)} Where is my parcel? (${channel})`,
    });
  }
  return { run: options.run, people, messages };
}

function pickChannel(draw: number): SoakChannel {
  let total = 0;
  for (const [channel, weight] of CHANNEL_WEIGHTS) {
    total += weight;
    if (draw < total) return channel;
  }
  return 'webform';
}

/** The marker a message's body starts with; the check finds messages by it. */
export function soakMarker(run: string, n: number): string {
  return `[soak ${run} #${n}]`;
}

/** The message number in a body carrying the run's marker, or undefined. */
export function markerOf(run: string, body: string): number | undefined {
  const match = new RegExp(`\\[soak ${run} #(\\d+)\\]`).exec(body);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/**
 * The verified identities each message carries, as `email:` / `phone:` strings; the chat visitor id is
 * always joined to the email, so it never makes a component of its own and is left out.
 */
export function identitiesOf(message: SoakMessage): string[] {
  const { person } = message;
  switch (message.channel) {
    case 'sms':
      return [`phone:${person.phone}`];
    case 'email':
    case 'chat':
      return [`email:${person.email}`];
    case 'webform':
      return message.withPhone
        ? [`email:${person.email}`, `phone:${person.phone}`]
        : [`email:${person.email}`];
  }
}

/**
 * The customers to expect: connected components of the identities the given messages carried together.
 * Returns each identity's component (a representative identity).
 */
export function expectedComponents(messages: readonly SoakMessage[]): Map<string, string> {
  const parent = new Map<string, string>();
  const find = (node: string): string => {
    let root = node;
    for (let next = parent.get(root); next !== undefined && next !== root; next = parent.get(root))
      root = next;
    parent.set(node, root);
    return root;
  };
  for (const message of messages) {
    const [first, ...others] = identitiesOf(message);
    if (first === undefined) continue;
    if (!parent.has(first)) parent.set(first, first);
    for (const other of others) {
      if (!parent.has(other)) parent.set(other, other);
      const a = find(first);
      const b = find(other);
      if (a !== b) parent.set(b, a);
    }
  }
  return new Map([...parent.keys()].map((node) => [node, find(node)]));
}
