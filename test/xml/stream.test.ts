import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { isScapulaError, ScapulaError } from '../../lib/errors.js';
import { bufferSource, type ByteSource } from '../../lib/io/source.js';
import { MAX_ELEMENT_DEPTH, MAX_REFERENCES_PER_TEXT, MAX_TEXT_CHARACTERS, streamXml, type StartTag, type XmlEventHandler } from '../../lib/xml/stream.js';

/** Records every start tag and the deepest level reached. */
class Recorder implements XmlEventHandler {
  readonly tags: StartTag[] = [];
  maxDepth = -1;

  openElement(tag: StartTag, depth: number): void {
    this.tags.push(tag);
    this.maxDepth = Math.max(this.maxDepth, depth);
  }

  text(): void {}

  closeElement(): void {}
}

async function record(name: string, bytes: Buffer | string): Promise<Recorder> {
  const recorder = new Recorder();
  await streamXml(bufferSource(name, typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes), recorder);
  return recorder;
}

/** Returns a source that streams `bytes` in pieces of `size` bytes, splitting tags and characters. */
function chunkedSource(name: string, bytes: Buffer, size: number): ByteSource {
  return {
    ...bufferSource(name, bytes),
    stream(offset = 0) {
      const pieces: Buffer[] = [];
      for (let start = offset; start < bytes.length; start += size) pieces.push(bytes.subarray(start, start + size));
      return Readable.from(pieces);
    },
  };
}

async function errorOf(promise: Promise<unknown>): Promise<ScapulaError> {
  try {
    await promise;
  } catch (error) {
    if (isScapulaError(error)) return error;
    throw error;
  }
  throw new Error('expected the parse to fail');
}

function nested(depth: number): string {
  return `<?xml version="1.0"?>\n<r xmlns="urn:root" xmlns:p="urn:p">${'<a>'.repeat(depth - 1)}${'</a>'.repeat(depth - 1)}</r>`;
}

describe('streamXml namespaces', () => {
  it('resolves redeclared and restored prefixes', async () => {
    const text =
      '<r xmlns="urn:one" xmlns:p="urn:p1">' +
      '<a xmlns="urn:two"><p:b xmlns:p="urn:p2"><c/></p:b><p:d/></a>' +
      '<e xml:lang="en" p:x="1"/><f xmlns=""/></r>';
    const recorder = await record('ns.xml', text);
    const names = recorder.tags.map((tag) => `${tag.local} ${tag.uri}`);
    expect(names).toEqual(['r urn:one', 'a urn:two', 'b urn:p2', 'c urn:two', 'd urn:p1', 'e urn:one', 'f ']);
    expect(recorder.tags[5]!.attributes).toEqual({ '{http://www.w3.org/XML/1998/namespace}lang': 'en', '{urn:p1}x': '1' });
    expect(recorder.tags[2]!.namespaceDeclarations).toEqual({ p: 'urn:p2' });
  });

  it('rejects a prefix bound only in a closed element', async () => {
    const error = await errorOf(record('unbound.xml', '<r><a xmlns:p="urn:p"/><p:b/></r>'));
    expect(error.code).toBe('XML_MALFORMED');
    expect(error.message).toContain('unbound namespace prefix');
  });
});

describe('streamXml nesting', () => {
  it('reads the maximum depth in linear time', async () => {
    // When saxes resolved each prefix by walking its element stack, 20,000 levels took 2.5 s
    // on a loaded 2-core machine. With one stack per prefix they take under 0.1 s there.
    const started = performance.now();
    const recorder = await record('deep.xml', nested(MAX_ELEMENT_DEPTH));
    const elapsed = performance.now() - started;
    expect(recorder.maxDepth).toBe(MAX_ELEMENT_DEPTH - 1);
    expect(recorder.tags.at(-1)!.uri).toBe('urn:root');
    expect(elapsed).toBeLessThan(1000);
  });

  it('rejects one level beyond the maximum', async () => {
    const text = nested(MAX_ELEMENT_DEPTH + 1);
    const error = await errorOf(record('deep.xml', text));
    expect(error.code).toBe('LIMIT');
    expect(error.file).toBe('deep.xml');
    expect(error.line).toBe(2);
    expect(error.column).toBe(text.split('\n')[1]!.indexOf('<a>') + 1 + 3 * (MAX_ELEMENT_DEPTH - 1));
    expect(error.message).toContain(`deeper than the maximum of ${MAX_ELEMENT_DEPTH} levels`);
  });

  it('stops hostile nesting quickly', async () => {
    const started = performance.now();
    const error = await errorOf(record('hostile.xml', nested(200_000)));
    expect(error.code).toBe('LIMIT');
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('streamXml encoding errors', () => {
  // Line 5 contains a comment of 120,000 characters, then an ill-formed sequence (C3 followed by "(").
  const head = '<?xml version="1.0"?>\n<r>\n<a/>\n<b>\n<!--' + 'x'.repeat(120_000) + 'é-->';
  const bad = Buffer.concat([Buffer.from(head), Buffer.from([0xc3, 0x28]), Buffer.from('</b></r>\n')]);
  const badByte = Buffer.byteLength(head);
  const badColumn = head.length - head.lastIndexOf('\n');

  it('places invalid UTF-8 at its line and byte', async () => {
    const error = await errorOf(record('u.xml', bad));
    expect(error.code).toBe('XML_MALFORMED');
    expect(error.line).toBe(5);
    expect(error.column).toBe(badColumn);
    expect(error.message).toBe(`u.xml:5:${badColumn}: invalid UTF-8 at byte ${badByte}; the document must be encoded in UTF-8`);
  });

  it('places invalid UTF-8 across small chunks', async () => {
    const recorder = new Recorder();
    const error = await errorOf(streamXml(chunkedSource('u.xml', bad, 7), recorder));
    expect(error.line).toBe(5);
    expect(error.column).toBe(badColumn);
    expect(error.message).toContain(`invalid UTF-8 at byte ${badByte};`);
  });

  it('places invalid UTF-8 in bzip2 and gzip input', async () => {
    const compressed = { 'u.xml.bz2': execFileSync('bzip2', ['-c'], { input: bad }), 'u.xml.gz': gzipSync(bad) };
    for (const [name, bytes] of Object.entries(compressed)) {
      const error = await errorOf(record(name, bytes));
      expect(error.line).toBe(5);
      expect(error.message).toContain(`invalid UTF-8 at byte ${badByte} of the decompressed data`);
    }
  });

  it('places a sequence cut off by the end', async () => {
    const cut = Buffer.concat([Buffer.from('<r>\n'), Buffer.from('é'), Buffer.from([0xe2, 0x82])]);
    const error = await errorOf(streamXml(chunkedSource('cut.xml', cut, 2), new Recorder()));
    expect(error.code).toBe('XML_MALFORMED');
    expect(error.line).toBe(2);
    expect(error.column).toBe(2);
    expect(error.message).toContain('invalid UTF-8 at byte 6;');
  });
});

describe('streamXml DOCTYPE', () => {
  const text = '<?xml version="1.0"?>\n<!-- one\ntwo\nthree -->\n  <!DOCTYPE r [<!ENTITY x "y">]>\n<r>&x;</r>';

  it('places a DOCTYPE after a comment', async () => {
    const error = await errorOf(record('d.xml', text));
    expect(error.code).toBe('XML_FORBIDDEN');
    expect(error.line).toBe(5);
    expect(error.column).toBe(3);
  });

  it('places a DOCTYPE split between chunks', async () => {
    for (const size of [1, 3, 5, 64]) {
      const error = await errorOf(streamXml(chunkedSource('d.xml', Buffer.from(text), size), new Recorder()));
      expect(error.code).toBe('XML_FORBIDDEN');
      expect(error.line).toBe(5);
      expect(error.column).toBe(3);
    }
  });
});

describe('streamXml reference limit', () => {
  const prefix = '<r>\n<t>';

  it('reads a text of exactly the maximum of references', async () => {
    const recorder = await record('most.xml', `${prefix}${'&amp;'.repeat(MAX_REFERENCES_PER_TEXT)}</t></r>`);
    expect(recorder.tags.map((tag) => tag.local)).toEqual(['r', 't']);
  });

  it('rejects one reference more, at its place', async () => {
    const text = 'x&lt;'.repeat(MAX_REFERENCES_PER_TEXT + 1);
    const error = await errorOf(record('many.xml', `${prefix}${text}</t></r>`));
    expect(error.code).toBe('LIMIT');
    expect(error.file).toBe('many.xml');
    expect(error.line).toBe(2);
    // The reference past the maximum follows MAX_REFERENCES_PER_TEXT times "x&lt;", and its own "x".
    expect(error.column).toBe('<t>'.length + MAX_REFERENCES_PER_TEXT * 'x&lt;'.length + 2);
    expect(error.message).toContain(`more than the maximum of ${MAX_REFERENCES_PER_TEXT} character or entity references`);
  });

  it('counts each stretch between two tags apart', async () => {
    const half = '&#65;'.repeat(MAX_REFERENCES_PER_TEXT / 2 + 1);
    const recorder = await record('split.xml', `${prefix}${half}<b/>${half}</t></r>`);
    expect(recorder.tags.map((tag) => tag.local)).toEqual(['r', 't', 'b']);
  });

  it('rejects an attribute value with too many references', async () => {
    const error = await errorOf(record('attribute.xml', `<r a="${'&quot;'.repeat(MAX_REFERENCES_PER_TEXT + 1)}"/>`));
    expect(error.code).toBe('LIMIT');
    expect(error.line).toBe(1);
  });
});

describe('streamXml text limit', () => {
  it('rejects whitespace beyond the maximum', async () => {
    const megabyte = Buffer.alloc(1024 * 1024, ' ');
    const pieces = MAX_TEXT_CHARACTERS / megabyte.length + 1;
    const source: ByteSource = {
      ...bufferSource('space.xml', Buffer.from('<r>\n')),
      stream() {
        return Readable.from((function* () {
          yield Buffer.from('<r>\n<a/>');
          for (let index = 0; index < pieces; index++) yield megabyte;
          yield Buffer.from('</r>');
        })());
      },
    };
    const error = await errorOf(streamXml(source, new Recorder()));
    expect(error.code).toBe('LIMIT');
    expect(error.file).toBe('space.xml');
    expect(error.line).toBe(2);
    expect(error.message).toContain(`longer than the maximum of ${MAX_TEXT_CHARACTERS} characters`);
  });
});

describe('streamXml handler errors', () => {
  it('adds the file to a handler error with a place', async () => {
    const handler: XmlEventHandler = {
      openElement(tag) {
        if (tag.local === 'b') throw new ScapulaError('LIMIT', 'too much', { line: tag.line, column: tag.column });
      },
      text() {},
      closeElement() {},
    };
    const error = await errorOf(streamXml(bufferSource('h.xml', Buffer.from('<r>\n  <b/></r>')), handler));
    expect(error.code).toBe('LIMIT');
    expect(error.message).toBe('h.xml:2:3: too much');
  });
});
