import * as z from 'zod/mini';

/**
 * Input hygiene for text that people write and staff read: control characters that could break a line,
 * a header or a terminal, and the bidirectional controls that make text display differently from what
 * it is (`invoice\u202Egpj.exe` shows as `invoiceexe.jpg`). Pure functions; channels apply them where
 * they build the canonical message.
 */

/** Line breaks and tabs: a space in single-line text, so words on either side stay apart. */
const SPACING_CONTROLS = /[\t\n\v\f\r\u0085]/g;
/** Page and line separators other than LF, which a message body keeps as a line break. */
const BREAKING_CONTROLS = /[\v\f\u0085]/g;
/** C0 and C1 controls (U+0000–U+001F, U+007F–U+009F). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
/** C0 and C1 controls other than tab and line feed. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const BODY_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/**
 * Bidirectional formatting: embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069), the
 * left-to-right and right-to-left marks (U+200E, U+200F) and the Arabic letter mark (U+061C).
 */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;
/** In unicode mode a surrogate pair is one code point, so this matches only an unpaired surrogate. */
const LONE_SURROGATE = /\p{Surrogate}/u;
const LONE_SURROGATES = /\p{Surrogate}/gu;

/**
 * Text for a single-line field (a name, a subject): C0 and C1 controls and bidirectional controls
 * removed (tab, line breaks and other spacing controls become a space rather than gluing words), runs
 * of whitespace collapsed to one space, trimmed.
 */
export function singleLine(text: string): string {
  return text
    .replace(BIDI_CONTROLS, '')
    .replace(SPACING_CONTROLS, ' ')
    .replace(CONTROLS, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Text for a message body: line ends normalized to LF (CRLF and CR), tab and LF kept, vertical tab,
 * form feed and NEL turned into LF, every other C0 and C1 control and the bidirectional controls
 * removed. Whitespace is otherwise left as written.
 */
export function messageBody(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(BREAKING_CONTROLS, '\n')
    .replace(BODY_CONTROLS, '')
    .replace(BIDI_CONTROLS, '');
}

/** True when the string holds a UTF-16 surrogate without its partner (not valid Unicode text). */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/**
 * Unpaired surrogates replaced with U+FFFD, for provider payloads we must record as received (an
 * email, an SMS). Our own APIs refuse such text instead (see `noLoneSurrogates`).
 */
export function replaceLoneSurrogates(text: string): string {
  return text.replace(LONE_SURROGATES, '\ufffd');
}

/** A zod/mini check refusing unpaired surrogates: `z.string().check(noLoneSurrogates())`. */
export function noLoneSurrogates(): z.core.$ZodCheck<string> {
  return z.refine((text: string) => !hasLoneSurrogate(text), {
    message: 'must not contain unpaired surrogates',
  });
}

/** At most `max` characters, never ending in half a surrogate pair. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
}
