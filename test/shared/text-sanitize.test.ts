import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import {
  clip,
  hasLoneSurrogate,
  messageBody,
  noLoneSurrogates,
  replaceLoneSurrogates,
  singleLine,
} from '../../shared/text/sanitize.js';

const BIDI_CONTROLS = [
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
];
const MARKS = ['\u200e', '\u200f', '\u061c'];

describe('singleLine', () => {
  it('turns line breaks and tabs into spaces so words stay apart', () => {
    expect(singleLine('Billing\r\nBcc: victim@example.com')).toBe('Billing Bcc: victim@example.com');
    expect(singleLine('Ada\tLovelace\nKing\rNoel')).toBe('Ada Lovelace King Noel');
    expect(singleLine('page\fone\vtwo\u0085three')).toBe('page one two three');
  });

  it('removes the other C0 and C1 controls: NUL, ESC, DEL, CSI and the rest', () => {
    expect(singleLine('A\u0000d\u001b[31ma\u007f\u009b\u0080\u009f')).toBe('Ad[31ma');
    for (let code = 0; code <= 0x9f; code++) {
      if (code >= 0x20 && code < 0x7f) continue;
      expect(singleLine(`a${String.fromCharCode(code)}b`)).toMatch(/^a ?b$/);
    }
  });

  it('removes bidirectional overrides, embeddings, isolates and marks', () => {
    expect(singleLine('invoice\u202egpj.exe')).toBe('invoicegpj.exe');
    for (const control of [...BIDI_CONTROLS, ...MARKS]) expect(singleLine(`a${control}b`)).toBe('ab');
  });

  it('collapses whitespace runs to one space and trims', () => {
    expect(singleLine('  Re:   \u00a0 order\u2028 4711 \u3000 ')).toBe('Re: order 4711');
    expect(singleLine(' \r\n\t ')).toBe('');
  });

  it('leaves ordinary text, emoji and right-to-left script alone', () => {
    const text = 'Zoë 👩‍💻 שלום مرحبا Łódź';

    expect(singleLine(text)).toBe(text);
  });
});

describe('messageBody', () => {
  it('keeps line feeds and tabs and normalizes CRLF and CR to LF', () => {
    expect(messageBody('one\r\ntwo\rthree\n\tfour')).toBe('one\ntwo\nthree\n\tfour');
  });

  it('turns vertical tab, form feed and NEL into line breaks', () => {
    expect(messageBody('a\vb\fc\u0085d')).toBe('a\nb\nc\nd');
  });

  it('removes every other C0 and C1 control and the bidirectional controls', () => {
    expect(messageBody('\u001b[2Jhello\u0000 wor\u007fld\u009b')).toBe('[2Jhello world');
    for (const control of [...BIDI_CONTROLS, ...MARKS]) expect(messageBody(`a${control}b`)).toBe('ab');
  });

  it('keeps whitespace as written otherwise', () => {
    const text = '  indented\n\n\nthree blank lines  \n';

    expect(messageBody(text)).toBe(text);
  });
});

describe('unpaired surrogates', () => {
  it('finds a lone high or low surrogate but not a pair', () => {
    expect(hasLoneSurrogate('ok 😀')).toBe(false);
    expect(hasLoneSurrogate('cut \ud83d')).toBe(true);
    expect(hasLoneSurrogate('\ude00 start')).toBe(true);
    expect(hasLoneSurrogate('\ude00\ud83d')).toBe(true);
  });

  it('replaces lone surrogates with U+FFFD and keeps pairs', () => {
    expect(replaceLoneSurrogates('a\ud83db😀\ude00')).toBe('a\ufffdb😀\ufffd');
  });

  it('refuses a string with a lone surrogate in a zod/mini schema', () => {
    // Prepare
    const schema = z.string().check(noLoneSurrogates());

    // Act
    const refused = schema.safeParse('bad \ud800');
    const accepted = schema.safeParse('good 😀');

    // Assess
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toBe('must not contain unpaired surrogates');
    expect(accepted).toEqual({ success: true, data: 'good 😀' });
  });
});

describe('clip', () => {
  it('shortens to the limit without ending in half a surrogate pair', () => {
    expect(clip('abc', 5)).toBe('abc');
    expect(clip('abcdef', 3)).toBe('abc');
    expect(clip('ab😀', 3)).toBe('ab');
  });
});
