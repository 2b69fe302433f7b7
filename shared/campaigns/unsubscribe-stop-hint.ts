/**
 * The STOP hint of marketing texts (CTIA: every program's messages tell how to opt out), and the SMS
 * segment arithmetic to keep it from costing a segment where a shorter hint fits.
 */

/** The hint appended to a marketing SMS. */
export const STOP_HINT = 'Reply STOP to opt out.';
/** The shorter hint, used when the full one would cost one more segment and this one does not. */
export const SHORT_STOP_HINT = 'STOP to opt out';

/** GSM 03.38 basic character set: one septet each. */
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
/** GSM 03.38 extension table: an escape and the character, two septets each. */
const GSM_EXTENDED = new Set('^{}\\[~]|€\f');

/** How a text travels as SMS: its encoding, its length in that encoding's units, and the segments. */
export interface SmsSegments {
  readonly encoding: 'GSM-7' | 'UCS-2';
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  readonly units: number;
  readonly segments: number;
}

/**
 * The segments a text takes: GSM-7 when every character is in the GSM 03.38 set (160 septets in one
 * segment, 153 per segment of a longer text), else UCS-2 (70 and 67 UTF-16 units). An empty text is one
 * segment.
 */
export function smsSegments(text: string): SmsSegments {
  let septets = 0;
  let gsm = true;
  for (const character of text) {
    if (GSM_BASIC.has(character)) septets += 1;
    else if (GSM_EXTENDED.has(character)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) return { encoding: 'GSM-7', units: septets, segments: segmentCount(septets, 160, 153) };
  return { encoding: 'UCS-2', units: text.length, segments: segmentCount(text.length, 70, 67) };
}

function segmentCount(units: number, single: number, perPart: number): number {
  return units <= single ? 1 : Math.ceil(units / perPart);
}

/**
 * Already tells how to opt out: "Reply STOP", "Text STOP to…", "STOP to opt out / end / unsubscribe",
 * "Send STOP" and the like, in any case.
 */
const HAS_STOP_HINT =
  /\b(?:reply|text|txt|send)\s+["'“‘]?stop\b|\bstop["'”’]?\s+(?:to\s+)?(?:opt[\s-]?out|unsubscribe|end|cancel|quit)\b/i;

/**
 * The text with the STOP hint appended on a line of its own ("Reply STOP to opt out."), unless it
 * already says how to opt out. When the full hint would take one more segment than the shorter
 * "STOP to opt out" does, the shorter one is used.
 */
export function withStopHint(body: string): string {
  if (HAS_STOP_HINT.test(body)) return body;
  const text = body.trimEnd();
  if (text === '') return STOP_HINT;
  const full = `${text}\n${STOP_HINT}`;
  const short = `${text}\n${SHORT_STOP_HINT}`;
  return smsSegments(full).segments > smsSegments(short).segments ? short : full;
}
