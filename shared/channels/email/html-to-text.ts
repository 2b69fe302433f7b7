/**
 * HTML to readable plain text for mail that has no text part: blocks and `<br>` become line breaks,
 * lists become `- ` items, links keep their address, `<blockquote>` becomes `> ` quoted lines (so the
 * quoted-history rules apply to HTML mail too), and scripts, styles and the head are dropped.
 * A single linear pass over the markup; no regular expression backtracks over the input.
 */
export function htmlToText(html: string): string {
  const input = html.length > MAX_HTML_CHARS ? html.slice(0, MAX_HTML_CHARS) : html;
  const lower = input.toLowerCase();
  const writer = new TextWriter();
  const lists: { ordered: boolean; count: number }[] = [];
  const links: { href: string; start: number }[] = [];
  let quoteDepth = 0;
  let preDepth = 0;
  let pos = 0;

  while (pos < input.length) {
    const open = input.indexOf('<', pos);
    const textEnd = open === -1 ? input.length : open;
    if (textEnd > pos) writer.text(decodeEntities(input.slice(pos, textEnd)), quoteDepth, preDepth > 0);
    if (open === -1) break;

    if (lower.startsWith('<!--', open)) {
      const end = input.indexOf('-->', open + 4);
      pos = end === -1 ? input.length : end + 3;
      continue;
    }
    TAG_START.lastIndex = open;
    const tag = TAG_START.exec(input);
    if (tag === null) {
      // `<!DOCTYPE…>`, `<?xml…>` are skipped; a lone `<` is text.
      if (lower.startsWith('<!', open) || lower.startsWith('<?', open)) {
        const end = input.indexOf('>', open);
        pos = end === -1 ? input.length : end + 1;
      } else {
        writer.text('<', quoteDepth, preDepth > 0);
        pos = open + 1;
      }
      continue;
    }
    const tagEnd = input.indexOf('>', open);
    pos = tagEnd === -1 ? input.length : tagEnd + 1;
    const closing = tag[1] === '/';
    const name = (tag[2] ?? '').toLowerCase();
    const attributes = input.slice(open + tag[0].length, tagEnd === -1 ? input.length : tagEnd);

    if (!closing && SKIPPED.has(name)) {
      const close = lower.indexOf(`</${name}`, pos);
      const closeEnd = close === -1 ? -1 : input.indexOf('>', close);
      pos = closeEnd === -1 ? input.length : closeEnd + 1;
      continue;
    }

    switch (name) {
      case 'br':
        writer.lineBreak();
        break;
      case 'p':
      case 'h1':
      case 'h2':
      case 'h3':
      case 'h4':
      case 'h5':
      case 'h6':
      case 'table':
      case 'dl':
        writer.paragraph();
        break;
      case 'ul':
      case 'ol':
        if (closing) lists.pop();
        else lists.push({ ordered: name === 'ol', count: 0 });
        writer.paragraph();
        break;
      case 'li':
        writer.block();
        if (!closing) {
          const list = lists.at(-1);
          if (list) list.count += 1;
          writer.text(list?.ordered ? `${list.count}. ` : '- ', quoteDepth, true);
        }
        break;
      case 'td':
      case 'th':
        if (!closing) writer.text(' ', quoteDepth, false);
        break;
      case 'hr':
        writer.paragraph();
        writer.text('---', quoteDepth, true);
        writer.paragraph();
        break;
      case 'blockquote':
        writer.paragraph();
        quoteDepth = closing ? Math.max(0, quoteDepth - 1) : quoteDepth + 1;
        break;
      case 'pre':
        writer.paragraph();
        preDepth = closing ? Math.max(0, preDepth - 1) : preDepth + 1;
        break;
      case 'a':
        if (closing) {
          const link = links.pop();
          if (link && !writer.since(link.start).includes(link.href))
            writer.text(` <${link.href}>`, quoteDepth, true);
        } else {
          const href = linkTarget(attribute(attributes, 'href'));
          if (href) links.push({ href, start: writer.length });
        }
        break;
      case 'img': {
        const alt = attribute(attributes, 'alt')?.trim();
        if (alt) writer.text(alt, quoteDepth, false);
        break;
      }
      default:
        if (BLOCKS.has(name)) writer.block();
    }
  }
  return writer.finish();
}

/** Markup beyond this is not converted; the body is capped far below it anyway. */
const MAX_HTML_CHARS = 2_000_000;
const TAG_START = /<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)/y;
const SKIPPED = new Set([
  'head',
  'script',
  'style',
  'title',
  'template',
  'noscript',
  'svg',
  'object',
  'iframe',
]);
const BLOCKS = new Set([
  'div',
  'section',
  'article',
  'header',
  'footer',
  'aside',
  'nav',
  'main',
  'tr',
  'dt',
  'dd',
  'address',
  'figure',
  'figcaption',
  'form',
  'fieldset',
  'center',
  'caption',
]);

/** Builds the text line by line; a line takes the quote depth it started at. */
class TextWriter {
  private readonly lines: string[] = [];
  private current = '';
  private currentDepth = 0;
  private lastDepth = 0;
  private pendingBreaks = 0;
  private written = '';

  get length(): number {
    return this.written.length;
  }

  /** Text written since `start` (a `length` taken earlier). */
  since(start: number): string {
    return this.written.slice(start);
  }

  text(raw: string, depth: number, preserve: boolean): void {
    if (preserve) {
      const [first = '', ...rest] = raw.replace(/\r\n?/g, '\n').split('\n');
      this.append(first, depth, true);
      for (const line of rest) {
        this.lineBreak();
        this.append(line, depth, true);
      }
      return;
    }
    this.append(raw.replace(/[\s\u00a0]+/g, ' '), depth, false);
  }

  /** `<br>`: one more line break each time. */
  lineBreak(): void {
    if (this.started()) this.pendingBreaks += 1;
  }

  /** End of a block: at least a new line. */
  block(): void {
    if (this.started()) this.pendingBreaks = Math.max(this.pendingBreaks, 1);
  }

  /** End of a paragraph: at least one blank line. */
  paragraph(): void {
    if (this.started()) this.pendingBreaks = Math.max(this.pendingBreaks, 2);
  }

  finish(): string {
    this.flush();
    return this.lines
      .map((line) => line.replace(/[ \t]+$/, ''))
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
  }

  private started(): boolean {
    return this.lines.length > 0 || this.current !== '';
  }

  private append(text: string, depth: number, preserve: boolean): void {
    if (text === '') return;
    if (this.pendingBreaks > 0) {
      this.flush();
      // A blank line between quoted and unquoted text belongs to the outer one.
      const blankDepth = Math.min(this.lastDepth, depth);
      for (let blank = 1; blank < this.pendingBreaks; blank++) this.lines.push('> '.repeat(blankDepth));
      this.pendingBreaks = 0;
    }
    let chunk = text;
    if (this.current === '') {
      if (!preserve) chunk = chunk.replace(/^ +/, '');
      if (chunk === '') return;
      this.currentDepth = depth;
    } else if (!preserve && this.current.endsWith(' ') && chunk.startsWith(' ')) {
      chunk = chunk.slice(1);
    }
    this.current += chunk;
    this.written += chunk;
  }

  private flush(): void {
    if (this.current === '') {
      if (this.lines.length > 0) this.lines.push('');
      return;
    }
    this.lines.push(`${'> '.repeat(this.currentDepth)}${this.current}`);
    this.lastDepth = this.currentDepth;
    this.written += '\n';
    this.current = '';
  }
}

function attribute(attributes: string, name: string): string | undefined {
  const match = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s"'>]+))`, 'i').exec(
    attributes,
  );
  if (!match) return undefined;
  return decodeEntities(match[1] ?? match[2] ?? match[3] ?? '');
}

/** Web and mail links are kept; `javascript:`, anchors and relative links are not worth showing. */
function linkTarget(href: string | undefined): string | undefined {
  const target = href?.trim();
  if (!target) return undefined;
  if (/^https?:\/\//i.test(target)) return target;
  if (/^mailto:/i.test(target)) return target.slice('mailto:'.length).split('?')[0] || undefined;
  return undefined;
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  shy: '',
  zwnj: '',
  zwj: '',
  copy: '©',
  reg: '®',
  trade: '™',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  laquo: '«',
  raquo: '»',
  bull: '•',
  middot: '·',
  euro: '€',
  pound: '£',
  yen: '¥',
  cent: '¢',
  deg: '°',
  times: '×',
  auml: 'ä',
  ouml: 'ö',
  uuml: 'ü',
  Auml: 'Ä',
  Ouml: 'Ö',
  Uuml: 'Ü',
  szlig: 'ß',
  eacute: 'é',
  egrave: 'è',
  agrave: 'à',
  ccedil: 'ç',
};

/** Decodes character references: the common named ones and every numeric one; unknown names stay as written. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(
    /&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z][a-zA-Z0-9]{1,31});/g,
    (whole, body: string) => {
      if (body.startsWith('#')) {
        const code =
          body[1] === 'x' || body[1] === 'X'
            ? Number.parseInt(body.slice(2), 16)
            : Number.parseInt(body.slice(1), 10);
        const valid = code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff);
        return valid ? String.fromCodePoint(code) : '\ufffd';
      }
      return NAMED_ENTITIES[body] ?? whole;
    },
  );
}
