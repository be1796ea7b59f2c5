import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';

import { escapeAttribute, escapeText, XmlWriter } from '../../lib/xml/writer.js';

describe('escapeText', () => {
  it('keeps plain text', () => {
    expect(escapeText('oval:com.redhat.rhsa:tst:20190013005')).toBe('oval:com.redhat.rhsa:tst:20190013005');
    expect(escapeText('tab\tand\nnewline')).toBe('tab\tand\nnewline');
    expect(escapeText('café 😀')).toBe('café 😀');
  });

  it('escapes markup and carriage returns', () => {
    expect(escapeText('a < b & c > d "q"')).toBe('a &lt; b &amp; c &gt; d "q"');
    expect(escapeText('line\r\n')).toBe('line&#13;\n');
  });

  it('replaces characters XML cannot contain', () => {
    expect(escapeText('nul\u0000bell\u0007')).toBe('nul\uFFFDbell\uFFFD');
    expect(escapeText('lone \uD800 high')).toBe('lone \uFFFD high');
    expect(escapeText('lone \uDC00 low')).toBe('lone \uFFFD low');
    expect(escapeText('\uFFFE\uFFFF')).toBe('\uFFFD\uFFFD');
  });
});

describe('escapeAttribute', () => {
  it('keeps plain values', () => {
    expect(escapeAttribute('true')).toBe('true');
    expect(escapeAttribute('0:1.2-3.el8')).toBe('0:1.2-3.el8');
    expect(escapeAttribute('😀')).toBe('😀');
  });

  it('escapes markup, quotes and white space', () => {
    expect(escapeAttribute('a<b>&"c"')).toBe('a&lt;b&gt;&amp;&quot;c&quot;');
    expect(escapeAttribute('t\tn\nr\r')).toBe('t&#9;n&#10;r&#13;');
  });

  it('replaces characters XML cannot contain', () => {
    expect(escapeAttribute('x\u0001y')).toBe('x\uFFFDy');
    expect(escapeAttribute('\uDBFF')).toBe('\uFFFD');
  });
});

describe('XmlWriter.reusedBytes', () => {
  it('copies bytes for a pass-through stream', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk));
    const writer = new XmlWriter(out);
    const buffer = Buffer.from('first');
    await writer.reusedBytes(buffer);
    buffer.write('SECON');
    await writer.reusedBytes(buffer);
    await writer.flush();
    out.end();
    await finished(out);
    expect(Buffer.concat(chunks).toString()).toBe('firstSECON');
  });

  it('writes a reused buffer to a file', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'scapula-writer-'));
    try {
      const file = path.join(folder, 'out.xml');
      const out = createWriteStream(file);
      const writer = new XmlWriter(out);
      const buffer = Buffer.alloc(4);
      for (const text of ['<a>', 'text', '</a>']) {
        const length = buffer.write(text);
        await writer.reusedBytes(buffer.subarray(0, length));
      }
      writer.raw('\n');
      await writer.flush();
      out.end();
      await finished(out);
      expect(await readFile(file, 'utf8')).toBe('<a>text</a>\n');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('XmlWriter.startMarkup', () => {
  it('indents and closes like start', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk));
    const writer = new XmlWriter(out);
    writer.start('tests');
    writer.startMarkup('<test test_id="oval:x:tst:1" result="true">');
    writer.startMarkup('<tested_item item_id="1" result="true"/>', true);
    writer.end('test');
    writer.startMarkup('<test test_id="oval:x:tst:2" result="false"/>', true);
    writer.end('tests');
    await writer.flush();
    out.end();
    await finished(out);
    expect(Buffer.concat(chunks).toString()).toBe(
      [
        '',
        '<tests>',
        '  <test test_id="oval:x:tst:1" result="true">',
        '    <tested_item item_id="1" result="true"/>',
        '  </test>',
        '  <test test_id="oval:x:tst:2" result="false"/>',
        '</tests>',
      ].join('\n'),
    );
  });
});

describe('XmlWriter on a file stream', () => {
  /** Writes `count` elements whose text mixes ASCII and multi-byte characters, and returns the text expected. */
  async function writeElements(writer: XmlWriter, count: number): Promise<string> {
    let expected = '\n<list>';
    writer.start('list');
    for (let index = 0; index < count; index++) {
      const text = `item ${index} é 😀 ${'x'.repeat(index % 97)}`;
      writer.element('entry', [['n', index]], text);
      expected += `\n  <entry n="${index}">${text}</entry>`;
      await writer.drain();
    }
    writer.end('list');
    await writer.flush();
    return `${expected}\n</list>`;
  }

  it('writes 10 MB in order', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'scapula-writer-'));
    try {
      const file = path.join(folder, 'out.xml');
      const out = createWriteStream(file);
      await new Promise((resolve) => out.once('open', resolve));
      // Well over the 4 MiB after which the writer lets the event loop run.
      const expected = await writeElements(new XmlWriter(out), 120_000);
      out.end();
      await finished(out);
      const written = await readFile(file, 'utf8');
      expect(written.length).toBe(expected.length);
      expect(Buffer.byteLength(written)).toBeGreaterThan(9 * 1024 * 1024);
      expect(written === expected).toBe(true);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('writes at a start offset', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'scapula-writer-'));
    try {
      const file = path.join(folder, 'out.xml');
      await writeFile(file, 'HEADER|');
      const out = createWriteStream(file, { flags: 'r+', start: 7 });
      await new Promise((resolve) => out.once('open', resolve));
      const expected = await writeElements(new XmlWriter(out), 20_000);
      out.end();
      await finished(out);
      expect((await readFile(file, 'utf8')) === `HEADER|${expected}`).toBe(true);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('fails after the stream is destroyed', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'scapula-writer-'));
    try {
      const out = createWriteStream(path.join(folder, 'out.xml'));
      await new Promise((resolve) => out.once('open', resolve));
      const writer = new XmlWriter(out, 'out.xml');
      writer.raw('x'.repeat(70_000));
      await writer.drain();
      out.destroy();
      writer.raw('y'.repeat(70_000));
      await expect(writer.drain()).rejects.toMatchObject({ code: 'IO', message: expect.stringContaining('closed') });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
