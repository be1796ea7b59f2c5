/**
 * Reads documents shaped like every OVAL document: a root, then sections (generator,
 * definitions, system_data, …), then items. Each section is handed over whole, or item by item
 * when it may be large, so that memory grows with the largest item and not with the document.
 */
import { ScapulaError } from '../errors.js';
import type { ByteSource } from '../io/source.js';
import { streamXml, type StartTag, type XmlEventHandler } from './stream.js';
import { SubtreeBuilder, type XmlNode } from './tree.js';

export type SectionMode = 'whole' | 'items';

export interface SectionReader {
  /** Local name and namespace URI the root element must have. */
  rootName: string;
  rootNamespace: string;
  /** Reading mode of each section, by local name. Sections not listed are skipped. */
  sections: Record<string, SectionMode>;
  /** Called with the root's start tag, before any section. */
  onRoot?(tag: StartTag): void;
  /** Called with a whole section, or with each item of an 'items' section. */
  onNode(section: string, node: XmlNode): void;
}

export async function readSections(source: ByteSource | string, reader: SectionReader): Promise<void> {
  const handler = new SectionHandler(typeof source === 'string' ? source : source.name, reader);
  await streamXml(source, handler);
}

class SectionHandler implements XmlEventHandler {
  private section: string | undefined;
  private mode: SectionMode | undefined;
  private readonly builder = new SubtreeBuilder();
  private building = false;

  constructor(
    private readonly file: string,
    private readonly reader: SectionReader,
  ) {}

  openElement(tag: StartTag, depth: number): void {
    if (depth === 0) {
      if (tag.local !== this.reader.rootName || tag.uri !== this.reader.rootNamespace) {
        const found = tag.uri === '' ? tag.local : `${tag.local} in namespace ${tag.uri}`;
        throw new ScapulaError('OVAL_INVALID', `expected an ${this.reader.rootName} document (namespace ${this.reader.rootNamespace}), found ${found}`, {
          file: this.file,
          line: tag.line,
          column: tag.column,
        });
      }
      this.reader.onRoot?.(tag);
      return;
    }
    if (depth === 1) {
      this.section = tag.local;
      this.mode = this.reader.sections[tag.local];
      if (this.mode === 'whole') this.startNode(tag);
      return;
    }
    if (this.building) {
      this.builder.open(tag);
    } else if (depth === 2 && this.mode === 'items') {
      this.startNode(tag);
    }
  }

  text(text: string): void {
    if (this.building) this.builder.text(text);
  }

  closeElement(): void {
    if (!this.building) return;
    const node = this.builder.close();
    if (node === undefined) return;
    this.building = false;
    this.reader.onNode(this.section!, node);
  }

  private startNode(tag: StartTag): void {
    this.builder.start(tag);
    this.building = true;
  }
}

/** Returns the text of the first child named `name`, or undefined. */
export function childText(node: XmlNode, name: string): string | undefined {
  return node.children.find((child) => child.name === name)?.text;
}
