import { Readable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { isScapulaError } from '../../lib/errors.js';
import type { ByteSource } from '../../lib/io/source.js';
import { streamXml, type XmlEventHandler } from '../../lib/xml/stream.js';
import { scanTrustedXml } from '../../lib/xml/trusted-scan.js';

/** Returns a source that streams the document in pieces of `size` bytes, to cut markup anywhere. */
function piecewise(text: string, size: number): ByteSource {
  const bytes = Buffer.from(text, 'utf8');
  return {
    name: 'doc.xml',
    size: async () => bytes.length,
    readRange: async (offset, length) => bytes.subarray(offset, offset + length),
    stream: (offset = 0) =>
      Readable.from(
        (function* () {
          for (let at = offset; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
        })(),
      ),
  };
}

/** Records every event with what the definitions copy reads of it. */
function recorder(): { handler: XmlEventHandler; events: unknown[] } {
  const events: unknown[] = [];
  return {
    events,
    handler: {
      openElement: (tag, depth) =>
        events.push(['open', depth, tag.prefix, tag.local, tag.uri, { ...tag.attributes }, { ...tag.namespaceDeclarations }]),
      text: (text, depth) => events.push(['text', depth, text]),
      closeElement: (depth) => events.push(['close', depth]),
    },
  };
}

async function eventsOf(read: typeof streamXml | typeof scanTrustedXml, text: string, size: number): Promise<unknown[]> {
  const { handler, events } = recorder();
  await read(piecewise(text, size), handler);
  return events;
}

const DOCUMENT = [
  '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\r\n',
  '<!-- before the root -->\r\n',
  '<oval_definitions xmlns="urn:d" xmlns:a="urn:a" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xml:lang="en">\r\n',
  '  <a:item id="x&amp;y&#x41;" note=\'single "quoted"\' spaced =  "line\r\nbreak\ttab&#10;kept" xsi:nil="true"/>\r\n',
  '  <text>one &lt;two&gt; &#233;\r three<!-- split -->four<?pi data?>five</text>\r\n',
  '  <code><![CDATA[if (a < b && c > d)\r\n]]>tail</code>\r\n',
  '  <b:outer xmlns:b="urn:b1"><b:inner xmlns:b="urn:b2" b:attr="v" a:attr="w"/><b:after/></b:outer>\r\n',
  '  <plain xmlns="">no namespace</plain>\r\n',
  '  <empty></empty><selfclosed />\r\n',
  '  <unicode>cafe\u0301 \u{1F600}</unicode>\r\n',
  '</oval_definitions>\r\n<!-- after the root -->\r\n',
].join('');

/** Records each start tag's name and position, as the parser keeps them for its messages. */
async function positionsOf(read: 'saxes' | 'trusted', text: string, size: number): Promise<string[]> {
  const positions: string[] = [];
  const handler: XmlEventHandler = {
    openElement: (tag) => positions.push(`${tag.local}@${tag.line}:${tag.column}`),
    text: () => {},
    closeElement: () => {},
  };
  if (read === 'saxes') await streamXml(piecewise(text, size), handler);
  else await scanTrustedXml(piecewise(text, size), handler, undefined, { positions: true });
  return positions;
}

/** Line ends of every kind, tabs, astral characters before tags and a name that ends a line. */
const POSITIONS_DOCUMENT = [
  '\uFEFF<root>',
  '<a/>\n  <b>\r\n\t<c\n   x="1"/><d\r\n/>\r<e attr="\u{1F600}\r\n"/>',
  '\u{1F600}\u{1F600} <f/><!-- \n\r\n --><g/><![CDATA[\r]]><h/>\r',
  '\n<i/>\r\r\n<j/>caf\u00e9\u{1F600}<k><?pi \n?><l/></k></b>',
  '</root>\r\n',
].join('');

describe('scanTrustedXml', () => {
  it('places start tags where streamXml places them', async () => {
    for (const text of [POSITIONS_DOCUMENT, DOCUMENT, POSITIONS_DOCUMENT.slice(1)]) {
      const expected = await positionsOf('saxes', text, 1 << 16);
      expect(expected.length).toBeGreaterThan(8);
      for (const size of [1, 2, 3, 5, 7, 64, 1 << 16]) {
        expect(await positionsOf('trusted', text, size)).toEqual(expected);
      }
    }
  });

  it('sends the events streamXml sends, however the input is cut', async () => {
    const expected = await eventsOf(streamXml, DOCUMENT, 1 << 16);
    expect(expected.length).toBeGreaterThan(30);
    for (const size of [1, 2, 3, 7, 64, 1 << 16]) {
      expect(await eventsOf(scanTrustedXml, DOCUMENT, size)).toEqual(expected);
    }
  });

  it('normalizes line ends and attribute whitespace as XML 1.0 says', async () => {
    const events = await eventsOf(scanTrustedXml, DOCUMENT, 5);
    expect(events).toContainEqual(['text', 1, 'one <two> \u00e9\n three']);
    expect(events).toContainEqual(['text', 1, 'if (a < b && c > d)\n']);
    const item = events.find((event) => Array.isArray(event) && event[3] === 'item') as unknown[];
    expect(item[5]).toEqual({ id: 'x&yA', note: 'single "quoted"', spaced: 'line break tab\nkept', 'xsi:nil': 'true' });
  });

  it('decodes references as streamXml does, in long texts too', async () => {
    const references = 'A&amp;&lt;\u00fc&#x41;&#66;&#x1F600;&quot;&apos;&gt;&#10;';
    for (const repeats of [1, 20_000]) {
      const document = `<r a="${references}"><t>${references.repeat(repeats)}</t></r>`;
      const expected = await eventsOf(streamXml, document, 1 << 16);
      expect(expected).toContainEqual(['text', 1, 'A&<\u00fcAB\u{1F600}"\'>\n'.repeat(repeats)]);
      expect(await eventsOf(scanTrustedXml, document, 1 << 16)).toEqual(expected);
    }
  });

  it('keeps a text of five million references small', async () => {
    // With String.replace and a callback, reading this text took about 900 MB more.
    const document = `<r>${'&amp;'.repeat(5_000_000)}</r>`;
    let length = 0;
    const before = process.memoryUsage().rss;
    await scanTrustedXml(piecewise(document, 1 << 16), { openElement: () => {}, text: (text) => (length += text.length), closeElement: () => {} });
    expect(length).toBe(5_000_000);
    expect(process.memoryUsage().rss - before).toBeLessThan(300 * 1024 * 1024);
  });

  it('declines a markup item over 1 MiB quickly', async () => {
    // Read in 64 KiB chunks, a 60 MB attribute would be searched again with each chunk.
    const document = `<a b="${'x'.repeat(60 * 1024 * 1024)}"/>`;
    const error = await scanTrustedXml(piecewise(document, 1 << 16), recorder().handler).catch((caught: unknown) => caught);
    expect(isScapulaError(error, 'XML_MALFORMED')).toBe(true);
    expect((error as Error).message).toContain('longer than 1048576 characters');
    const small = await eventsOf(scanTrustedXml, `<a b="${'x'.repeat(900 * 1024)}"/>`, 1 << 16);
    expect(small).toEqual(await eventsOf(streamXml, `<a b="${'x'.repeat(900 * 1024)}"/>`, 1 << 16));
  });

  it('raises XML_MALFORMED for input it cannot read, never hangs on it', async () => {
    for (const bad of ['<a><!DOCTYPE x></a>', '<a b=c/>', '<a b="c/>', '<a>&unknown;</a>', '<a><b></a>', '<p:a/>']) {
      const error = await scanTrustedXml(piecewise(bad, 3), recorder().handler).catch((caught: unknown) => caught);
      expect(isScapulaError(error, 'XML_MALFORMED'), bad).toBe(true);
    }
  });
});
