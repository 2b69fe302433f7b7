import type { InboundMessage } from '../../schemas/index.js';

/** What an SMS keyword asks for. */
export type SmsKeywordKind = 'opt-out' | 'opt-in' | 'help';

/** A message that is a keyword rather than a concern for an agent. */
export interface SmsKeyword {
  readonly kind: SmsKeywordKind;
  /** The keyword as matched, upper-cased (e.g. `STOP`); recorded as the consent source. */
  readonly keyword: string;
  /**
   * The provider recognised the keyword and already answered it (Twilio Advanced Opt-Out adds
   * `OptOutType` to the webhook), so carebridge must not answer a second time.
   */
  readonly answeredByProvider: boolean;
}

/**
 * The industry-standard keywords (CTIA; Twilio's and AWS End User Messaging's defaults). REVOKE and
 * OPTOUT are opt-outs too since the 2025 FCC revocation rule. YES is left out on purpose: as a whole
 * message it is far more often an answer to an agent than a re-subscription.
 */
const KEYWORDS: ReadonlyMap<string, SmsKeywordKind> = new Map([
  ['STOP', 'opt-out'],
  ['STOPALL', 'opt-out'],
  ['UNSUBSCRIBE', 'opt-out'],
  ['CANCEL', 'opt-out'],
  ['END', 'opt-out'],
  ['QUIT', 'opt-out'],
  ['REVOKE', 'opt-out'],
  ['OPTOUT', 'opt-out'],
  ['START', 'opt-in'],
  ['UNSTOP', 'opt-in'],
  ['HELP', 'help'],
  ['INFO', 'help'],
]);

/** Twilio's `OptOutType` values (recorded by the adapter as providerRefs.optOutType). */
const PROVIDER_KINDS: Readonly<Record<string, SmsKeywordKind>> = {
  STOP: 'opt-out',
  START: 'opt-in',
  HELP: 'help',
};

const MAX_KEYWORD_CHARS = 40;

/**
 * The keyword a message body is, if any: the whole message, trimmed, case-insensitive, trailing
 * `.` or `!` ignored ("Stop." is a stop). A keyword inside a sentence ("please stop the order") is not.
 */
export function smsKeyword(body: string): Omit<SmsKeyword, 'answeredByProvider'> | undefined {
  const word = normalizedBody(body);
  const kind = KEYWORDS.get(word);
  return kind === undefined ? undefined : { kind, keyword: word };
}

/**
 * The keyword of an inbound SMS: the provider's classification when it made one (it also covers the
 * custom and localized keywords configured there), else our own match of the body.
 */
export function smsKeywordOf(message: InboundMessage): SmsKeyword | undefined {
  const providerType = message.providerRefs.optOutType?.toUpperCase();
  const providerKind = providerType === undefined ? undefined : PROVIDER_KINDS[providerType];
  if (providerType !== undefined && providerKind !== undefined) {
    const word = normalizedBody(message.body);
    const keyword = word.length > 0 && word.length <= MAX_KEYWORD_CHARS ? word : providerType;
    return { kind: providerKind, keyword, answeredByProvider: true };
  }
  const matched = smsKeyword(message.body);
  return matched && { ...matched, answeredByProvider: false };
}

function normalizedBody(body: string): string {
  return body
    .trim()
    .replace(/[.!]+$/, '')
    .trim()
    .toUpperCase();
}
