/**
 * Small element trees, built one top-level element at a time from a stream (one OVAL test,
 * object, state or variable), converted to the model and dropped. Building is iterative, so a
 * deeply nested element cannot overflow the call stack.
 */
import { ScapulaError } from '../errors.js';
import { MAX_TEXT_CHARACTERS, type StartTag } from './stream.js';

export interface XmlNode {
  name: string;
  ns: string;
  /** The prefix the source wrote on the element ('' for none), for copying it through. */
  prefix: string;
  attributes: Record<string, string>;
  /** Text content of an element without child elements (text around child elements is dropped). */
  text: string;
  children: XmlNode[];
  line: number;
  column: number;
}

/** Decides whether to keep an element (and everything inside it) in the tree being built. */
export type KeepElement = (tag: StartTag, parent: XmlNode) => boolean;

export class SubtreeBuilder {
  private readonly stack: XmlNode[] = [];
  private skippedDepth = 0;

  constructor(private readonly keep: KeepElement = () => true) {}

  /** Whether a tree is being built. */
  get active(): boolean {
    return this.stack.length > 0;
  }

  start(tag: StartTag): void {
    this.stack.push(nodeOf(tag));
  }

  open(tag: StartTag): void {
    if (this.skippedDepth > 0) {
      this.skippedDepth++;
      return;
    }
    const parent = this.stack[this.stack.length - 1]!;
    if (!this.keep(tag, parent)) {
      this.skippedDepth = 1;
      return;
    }
    const node = nodeOf(tag);
    parent.children.push(node);
    parent.text = '';
    this.stack.push(node);
  }

  text(text: string): void {
    if (this.skippedDepth > 0) return;
    const node = this.stack[this.stack.length - 1]!;
    if (node.children.length > 0) return;
    // Comments can split one text node into many pieces, none of them over the limit alone.
    if (node.text.length + text.length > MAX_TEXT_CHARACTERS) {
      throw new ScapulaError('LIMIT', `the text of element ${node.name} is longer than the maximum of ${MAX_TEXT_CHARACTERS} characters`, {
        line: node.line,
        column: node.column,
      });
    }
    node.text += text;
  }

  /** Ends the current element; returns the whole tree when its top element ends. */
  close(): XmlNode | undefined {
    if (this.skippedDepth > 0) {
      this.skippedDepth--;
      return undefined;
    }
    const node = this.stack.pop()!;
    return this.stack.length === 0 ? node : undefined;
  }
}

function nodeOf(tag: StartTag): XmlNode {
  return {
    name: tag.local,
    ns: tag.uri,
    prefix: tag.prefix,
    attributes: tag.attributes,
    text: '',
    children: [],
    line: tag.line,
    column: tag.column,
  };
}
