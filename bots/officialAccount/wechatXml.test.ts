import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cdata, parseWechatXml, xmlFields } from './wechatXml.js';

const TEXT = `<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>
<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>
<CreateTime>1409735668</CreateTime>
<MsgType><![CDATA[text]]></MsgType>
<Content><![CDATA[我想 <借> 5万 & 看看]]></Content>
<MsgId>6054768590064713728</MsgId>
</xml>`;

const fieldsOf = (xml: string) => {
  const r = parseWechatXml(xml);
  if (!r.ok) throw new Error(r.reason);
  return xmlFields(r.root);
};

const refusal = (xml: string) => {
  const r = parseWechatXml(xml);
  expect(r.ok).toBe(false);
  return r.ok ? '' : r.reason;
};

describe('parseWechatXml', () => {
  it("reads WeChat's flat message with CDATA, plain text and whitespace between fields", () => {
    expect(fieldsOf(TEXT)).toEqual({
      ToUserName: 'gh_10f6c3c3ac5a',
      FromUserName: 'oyORnuP8q7ou2gfYjqLzSIWZf0rs',
      CreateTime: '1409735668',
      MsgType: 'text',
      Content: '我想 <借> 5万 & 看看',
      MsgId: '6054768590064713728',
    });
  });

  it('accepts a declaration, a BOM, predefined entities, character references, empty and nested elements', () => {
    const r = parseWechatXml('\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<xml><A>a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#20320;&#x597D;</A><B/><C></C><ScanCodeInfo><ScanType>qrcode</ScanType></ScanCodeInfo></xml>');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(xmlFields(r.root)).toEqual({ A: 'a <b> & "c" \'d\' 你好', B: '', C: '' });
    expect(r.root.children[3]).toEqual({ name: 'ScanCodeInfo', text: '', children: [{ name: 'ScanType', text: 'qrcode', children: [] }] });
  });

  it('ignores whitespace around a CDATA section and keeps a later duplicate out', () => {
    expect(fieldsOf('<xml><MsgType>  <![CDATA[video]]>\n</MsgType><MsgType>text</MsgType></xml>')).toEqual({ MsgType: 'video' });
  });

  it.each([
    ['a DOCTYPE', '<!DOCTYPE xml [<!ENTITY a "b">]><xml><A>&a;</A></xml>', /DOCTYPE/],
    [
      'a billion-laughs bomb',
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><xml><A>&lol2;</A></xml>',
      /DOCTYPE/,
    ],
    ['an external entity', '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><A>&xxe;</A></xml>', /DOCTYPE/],
    ['an entity reference without a DTD', '<xml><A>&xxe;</A></xml>', /entity &xxe; is not allowed/],
    ['a DOCTYPE inside the root', '<xml><!DOCTYPE x><A>1</A></xml>', /DOCTYPE/],
    ['a comment', '<xml><!-- hi --><A>1</A></xml>', /declarations and comments/],
    ['a processing instruction', '<xml><?php echo 1 ?><A>1</A></xml>', /processing instructions/],
    ['a stylesheet instruction before the root', '<?xml-stylesheet href="x"?><xml/>', /declaration/],
    ['attributes', '<xml><A id="1">x</A></xml>', /attributes/],
    ['an unclosed element', '<xml><A>1</A>', /not closed/],
    ['mismatched tags', '<xml><A>1</B></xml>', /does not close/],
    ['mixed content', '<xml>text<A>1</A></xml>', /mixed content/],
    ['two roots', '<xml/><xml/>', /after the root/],
    ['not XML', '{"ToUserName":"gh"}', /expected an element/],
    ['an empty body', '', /expected an element/],
    ['an unterminated CDATA', '<xml><A><![CDATA[x</A></xml>', /unterminated CDATA/],
    ['a NUL character reference', '<xml><A>&#0;</A></xml>', /character reference/],
    ['a control character', '<xml><A>\u0001</A></xml>', /character XML does not allow/],
    ['a stray ]]>', '<xml><A>a]]>b</A></xml>', /]]>/],
  ])('refuses %s', (_what, xml, reason) => {
    expect(refusal(xml)).toMatch(reason);
  });

  it('limits depth, element count and length', () => {
    expect(refusal(`${'<a>'.repeat(7)}${'</a>'.repeat(7)}`)).toMatch(/deeper than 6/);
    expect(refusal(`<xml>${'<A>1</A>'.repeat(300)}</xml>`)).toMatch(/more than 256 elements/);
    expect(refusal(`<xml><A>${'x'.repeat(70_000)}</A></xml>`)).toMatch(/longer than/);
    expect(parseWechatXml(`<xml><A>${'x'.repeat(100)}</A></xml>`, { maxLength: 50 }).ok).toBe(false);
  });

  it('never throws and stays fast on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => {
        const r = parseWechatXml(s);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 2_000 },
    );
    const started = performance.now();
    for (const hostile of ['<'.repeat(60_000), '&'.repeat(60_000), `<xml>${'<![CDATA['.repeat(6_000)}`, `<xml><A>${'&amp;'.repeat(12_000)}</A></xml>`]) parseWechatXml(hostile);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('round-trips any text through cdata()', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (s) => {
        // eslint-disable-next-line no-control-regex -- characters XML cannot carry are dropped by cdata()
        const expected = s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');
        const r = parseWechatXml(`<xml><A>${cdata(s)}</A></xml>`);
        expect(r.ok && xmlFields(r.root).A).toBe(expected);
      }),
    );
    expect(cdata('a]]>b')).toBe('<![CDATA[a]]]]><![CDATA[>b]]>');
  });
});
