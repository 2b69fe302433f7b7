/** The body with quoted history removed, and whether anything was removed. */
export interface StrippedBody {
  readonly text: string;
  readonly stripped: boolean;
}

/**
 * Removes the quoted history under a reply, conservatively: everything from the first separator that
 * follows the customer's own text, where a separator is
 * - an Outlook "-----Original Message-----" line (and its common translations),
 * - an Outlook header block (`From:` with `Sent:`/`Date:` and `To:`/`Subject:` within a few lines,
 *   optionally after a `____` rule),
 * - an attribution line ("On … wrote:", Gmail's two-line form, and a few translations) followed by
 *   quoted lines or nothing,
 * and then a trailing run of `>` lines. Quotes interleaved with the customer's answers stay, forwarded
 * messages ("---------- Forwarded message ---------", "Begin forwarded message:") and attached ones
 * (the parser's dashed header box) stay, and a message that would come out empty is kept whole. The
 * raw message keeps everything.
 */
export function stripQuotedHistory(body: string): StrippedBody {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  const forwardAt = lines.findIndex((_line, index) => isForwardAt(lines, index));
  const searchEnd = forwardAt === -1 ? lines.length : forwardAt;

  // Only a separator after some of the customer's own (unquoted) text counts.
  const firstText = lines.findIndex((line) => line.trim() !== '' && !isQuoted(line));
  let end = lines.length;
  for (let index = firstText + 1; firstText !== -1 && index < searchEnd; index++) {
    const cut = separatorAt(lines, index);
    if (cut !== undefined) {
      end = cut;
      break;
    }
  }
  if (forwardAt === -1 || forwardAt >= end) end = trailingQuoteStart(lines, end);

  const kept = lines.slice(0, end).join('\n').trimEnd();
  if (end === lines.length || kept.trim() === '') return { text: body, stripped: false };
  return { text: kept, stripped: true };
}

const FORWARD_MARKER =
  /^\s*(-{2,}\s*forwarded message\s*-{2,}|begin forwarded message:|-{2,}\s*weitergeleitete nachricht\s*-{2,})\s*$/i;
const ORIGINAL_MESSAGE =
  /^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original|messaggio originale|oorspronkelijk bericht)\s*-{2,}\s*$/i;
const RULE = /^\s*_{10,}\s*$/;
const DASHED_RULE = /^\s*-{10,}\s*$/;
const HEADER_FROM = /^\s*\*?(from|von|de|van|da):\*?\s+\S/i;
const HEADER_SENT = /^\s*\*?(sent|date|gesendet|datum|envoyé|enviado|verzonden|inviato):\*?\s+\S/i;
const HEADER_TO_OR_SUBJECT =
  /^\s*\*?(to|subject|an|betreff|à|objet|para|asunto|aan|onderwerp|a|oggetto|cc):\*?\s*/i;
const ATTRIBUTION =
  /^\s*(on\s.{1,300}\swrote|am\s.{1,300}\sschrieb.{0,200}|le\s.{1,300}\sa écrit|el\s.{1,300}\sescribió|op\s.{1,300}\sschreef.{0,200})\s?:\s*$/i;
const ATTRIBUTION_START = /^\s*(on|am|le|el|op)\s/i;
const ATTRIBUTION_END = /(wrote|schrieb.{0,200}|a écrit|escribió|schreef.{0,200})\s?:\s*$/i;

/**
 * A forwarded or attached message starts here: a forward marker, or the dashed header box the MIME
 * parser writes for an attached message/rfc822 part (a dashed line, then `From:`).
 */
function isForwardAt(lines: readonly string[], index: number): boolean {
  const line = lines[index] ?? '';
  return FORWARD_MARKER.test(line) || (DASHED_RULE.test(line) && HEADER_FROM.test(lines[index + 1] ?? ''));
}

function isQuoted(line: string): boolean {
  return line.trimStart().startsWith('>');
}

/** Where the quoted history starts if a separator begins at `index`. */
function separatorAt(lines: readonly string[], index: number): number | undefined {
  const line = lines[index] ?? '';
  if (ORIGINAL_MESSAGE.test(line)) return index;
  if (RULE.test(line) && isHeaderBlock(lines, index + 1)) return index;
  if (isHeaderBlock(lines, index)) return index;
  if (ATTRIBUTION.test(line) && quotedOrEndAfter(lines, index + 1)) return index;
  // Gmail wraps a long attribution over two lines.
  const next = lines[index + 1] ?? '';
  if (
    ATTRIBUTION_START.test(line) &&
    line.length + next.length <= 400 &&
    ATTRIBUTION_END.test(next) &&
    quotedOrEndAfter(lines, index + 2)
  ) {
    return index;
  }
  return undefined;
}

/** A `From:` line with a `Sent:`/`Date:` line and a `To:`/`Subject:` line in the next five lines. */
function isHeaderBlock(lines: readonly string[], index: number): boolean {
  if (!HEADER_FROM.test(lines[index] ?? '')) return false;
  const following = lines.slice(index + 1, index + 6);
  return (
    following.some((line) => HEADER_SENT.test(line)) &&
    following.some((line) => HEADER_TO_OR_SUBJECT.test(line))
  );
}

function quotedOrEndAfter(lines: readonly string[], index: number): boolean {
  const next = lines.slice(index).find((line) => line.trim() !== '');
  return next === undefined || isQuoted(next);
}

/** Start of the run of quoted and blank lines that ends the text (before `end`), with its attribution. */
function trailingQuoteStart(lines: readonly string[], end: number): number {
  let start = end;
  while (start > 0 && (isQuoted(lines[start - 1] ?? '') || (lines[start - 1] ?? '').trim() === '')) start--;
  if (!lines.slice(start, end).some(isQuoted)) return end;
  const before = lines[start - 1] ?? '';
  if (ATTRIBUTION.test(before)) return start - 1;
  if (ATTRIBUTION_END.test(before) && ATTRIBUTION_START.test(lines[start - 2] ?? '')) return start - 2;
  return start;
}
