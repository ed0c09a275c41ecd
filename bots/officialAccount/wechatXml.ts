/**
 * A deliberately small, strict XML reader for WeChat's callback bodies, and the CDATA writer for
 * replies. WeChat sends one `<xml>` root with a few levels of plain elements: no attributes, no
 * namespaces, no DTD. Anything else is refused, which is what makes it safe against entity
 * expansion (billion laughs), external entities (XXE) and parser-confusion tricks: there is no DTD
 * support to abuse, only the five predefined entities and character references are understood, and
 * every loop is linear in the input with explicit limits on length, depth and element count.
 */

export interface XmlElement {
  readonly name: string;
  /** Text and CDATA content, concatenated; '' for an element with children. */
  readonly text: string;
  readonly children: readonly XmlElement[];
}

export type XmlParseResult = { readonly ok: true; readonly root: XmlElement } | { readonly ok: false; readonly reason: string };

export interface XmlLimits {
  /** Characters of input; callers also cap the HTTP body. */
  readonly maxLength?: number;
  readonly maxDepth?: number;
  readonly maxElements?: number;
}

const DEFAULT_LIMITS = { maxLength: 64 * 1024, maxDepth: 6, maxElements: 256 } as const;
const NAME = /[A-Za-z_][A-Za-z0-9_.-]{0,63}/y;
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

class Refused extends Error {}

/** Code points XML 1.0 allows in a document. */
const isXmlChar = (cp: number): boolean =>
  cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);

/** Parses one document; never throws. */
export function parseWechatXml(input: string, limits: XmlLimits = {}): XmlParseResult {
  const max = { ...DEFAULT_LIMITS, ...limits };
  if (input.length > max.maxLength) return { ok: false, reason: `longer than ${max.maxLength} characters` };
  try {
    return { ok: true, root: new Reader(input, max).document() };
  } catch (e) {
    if (e instanceof Refused) return { ok: false, reason: e.message };
    throw e;
  }
}

class Reader {
  private i = 0;
  private elements = 0;

  constructor(
    private readonly s: string,
    private readonly max: Required<XmlLimits>,
  ) {}

  document(): XmlElement {
    if (this.s.charCodeAt(0) === 0xfeff) this.i = 1;
    this.skipSpace();
    if (this.s.startsWith('<?xml', this.i)) {
      // The declaration only: version/encoding/standalone, never a processing instruction that does anything.
      const end = this.s.indexOf('?>', this.i);
      if (end < 0 || end - this.i > 200) throw new Refused('unterminated XML declaration');
      const decl = this.s.slice(this.i + 5, end);
      if (!/^(\s+[a-z]+\s*=\s*("[^"<>]*"|'[^'<>]*'))*\s*$/.test(decl)) throw new Refused('malformed XML declaration');
      this.i = end + 2;
      this.skipSpace();
    }
    const root = this.element(1);
    this.skipSpace();
    if (this.i !== this.s.length) throw new Refused('content after the root element');
    return root;
  }

  private element(depth: number): XmlElement {
    if (depth > this.max.maxDepth) throw new Refused(`nested deeper than ${this.max.maxDepth} levels`);
    if (++this.elements > this.max.maxElements) throw new Refused(`more than ${this.max.maxElements} elements`);
    this.expectMarkupStart();
    this.i++; // '<'
    const name = this.name();
    this.skipSpace();
    if (this.s.startsWith('/>', this.i)) {
      this.i += 2;
      return { name, text: '', children: [] };
    }
    if (this.s[this.i] !== '>') throw new Refused(`attributes or junk in <${name}>`);
    this.i++;

    // Raw text and CDATA in order; whitespace around a CDATA section (pretty-printed XML) is not content.
    const parts: { text: string; cdata: boolean }[] = [];
    let significantText = false;
    const children: XmlElement[] = [];
    for (;;) {
      if (this.i >= this.s.length) throw new Refused(`<${name}> is not closed`);
      const c = this.s[this.i];
      if (c === '<') {
        if (this.s.startsWith('</', this.i)) {
          this.i += 2;
          const closing = this.name();
          this.skipSpace();
          if (closing !== name || this.s[this.i] !== '>') throw new Refused(`</${closing}> does not close <${name}>`);
          this.i++;
          if (children.length && significantText) throw new Refused(`mixed content in <${name}>`);
          return { name, text: children.length ? '' : joinText(parts), children };
        }
        if (this.s.startsWith('<![CDATA[', this.i)) {
          const end = this.s.indexOf(']]>', this.i + 9);
          if (end < 0) throw new Refused('unterminated CDATA section');
          const chunk = this.s.slice(this.i + 9, end);
          this.checkChars(chunk);
          parts.push({ text: chunk, cdata: true });
          significantText = true;
          this.i = end + 3;
          continue;
        }
        children.push(this.element(depth + 1));
        continue;
      }
      if (c === '&') {
        parts.push({ text: this.reference(), cdata: false });
        significantText = true;
        continue;
      }
      const next = this.nextMarkup();
      const chunk = this.s.slice(this.i, next);
      if (chunk.includes(']]>')) throw new Refused("']]>' in text");
      this.checkChars(chunk);
      if (/\S/.test(chunk)) significantText = true;
      parts.push({ text: chunk, cdata: false });
      this.i = next;
    }
  }

  /** Refuses declarations (DOCTYPE, ENTITY), comments and processing instructions where an element must start. */
  private expectMarkupStart(): void {
    if (this.s[this.i] !== '<') throw new Refused('expected an element');
    const after = this.s[this.i + 1];
    if (after === '!') throw new Refused(this.s.startsWith('<!DOCTYPE', this.i) ? 'DOCTYPE is not allowed' : 'declarations and comments are not allowed');
    if (after === '?') throw new Refused('processing instructions are not allowed');
  }

  private name(): string {
    NAME.lastIndex = this.i;
    const m = NAME.exec(this.s);
    if (!m) throw new Refused('expected an element name');
    this.i += m[0].length;
    return m[0];
  }

  private reference(): string {
    const end = this.s.indexOf(';', this.i);
    if (end < 0 || end - this.i > 12) throw new Refused('malformed entity reference');
    const body = this.s.slice(this.i + 1, end);
    this.i = end + 1;
    const named = PREDEFINED[body];
    if (named !== undefined) return named;
    const m = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(body);
    if (!m) throw new Refused(`entity &${body.slice(0, 12)}; is not allowed`);
    const cp = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2]!, 10);
    if (!isXmlChar(cp)) throw new Refused('character reference to a character XML does not allow');
    return String.fromCodePoint(cp);
  }

  // The next '<' and '&' at or after the cursor, cached so text full of references stays linear.
  private lt = -1;
  private amp = -1;

  private nextMarkup(): number {
    if (this.lt < this.i) this.lt = this.find('<');
    if (this.amp < this.i) this.amp = this.find('&');
    return Math.min(this.lt, this.amp);
  }

  private find(c: string): number {
    const at = this.s.indexOf(c, this.i);
    return at < 0 ? this.s.length : at;
  }

  private checkChars(chunk: string): void {
    // eslint-disable-next-line no-control-regex -- refusing characters XML forbids is the point
    if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(chunk)) {
      throw new Refused('a character XML does not allow');
    }
  }

  private skipSpace(): void {
    while (this.i < this.s.length && ' \t\r\n'.includes(this.s[this.i]!)) this.i++;
  }
}

function joinText(parts: readonly { text: string; cdata: boolean }[]): string {
  const hasCdata = parts.some((p) => p.cdata);
  return parts
    .filter((p) => p.cdata || !hasCdata || /\S/.test(p.text))
    .map((p) => p.text)
    .join('');
}

/** The text of each leaf child of the root: WeChat's flat fields (`ToUserName`, `MsgType`, …). Later duplicates lose. */
export function xmlFields(root: XmlElement): Readonly<Record<string, string>> {
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const child of root.children) if (!child.children.length && !(child.name in fields)) fields[child.name] = child.text;
  return fields;
}

/** Text safe inside CDATA: characters XML forbids dropped, `]]>` split across two sections. */
export function cdata(text: string): string {
  // eslint-disable-next-line no-control-regex -- dropping characters XML forbids is the point
  const clean = text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');
  return `<![CDATA[${clean.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}
