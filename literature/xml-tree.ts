import { SaxesParser } from 'saxes';

/** An element as the record mapper reads it: `@Attr` keys, `#text`, and child elements by name. */
export type XmlNode = Record<string, unknown>;

export interface TreeOptions {
  /** Elements that may repeat: always arrays, so one child reads like many. */
  arrays: ReadonlySet<string>;
  /** Elements whose content is flattened to text (inline markup such as <i>, <sup> dropped). */
  flatten: ReadonlySet<string>;
  /** Subtrees never read (reference lists, grants…): skipped without building anything. */
  skip: ReadonlySet<string>;
}

export class XmlSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${line}:${column}: ${reason}`);
  }
}

interface Frame {
  name: string;
  node: XmlNode;
  text: string;
  hasContent: boolean;
}

/**
 * Strict streaming parse (saxes: well-formedness errors with line and column) into plain objects,
 * building only what the caller reads. A DOM parser spends most of its time on reference lists
 * and whitespace a PubMed import never looks at; this keeps parsing well above 2,000 records/s.
 */
export function parseXmlTree(xml: string, opts: TreeOptions): { root: string; tree: XmlNode } {
  const parser = new SaxesParser({ position: true });
  const top: Frame = { name: '#document', node: {}, text: '', hasContent: false };
  const stack: Frame[] = [top];
  let root = '';
  /** >0 while inside a flattened or skipped element: depth of nested tags to ignore. */
  let opaque = 0;
  let opaqueFrame: Frame | null = null;
  let skipping = false;

  parser.on('opentag', (tag) => {
    if (opaque > 0) {
      opaque++;
      return;
    }
    if (!root) root = tag.name;
    const node: XmlNode = {};
    for (const [k, v] of Object.entries(tag.attributes)) node[`@${k}`] = v;
    const frame: Frame = { name: tag.name, node, text: '', hasContent: Object.keys(node).length > 0 };
    // A child element makes its parent structured (an object, not a string).
    stack[stack.length - 1].hasContent = true;
    if (opts.skip.has(tag.name)) {
      opaque = 1;
      skipping = true;
      opaqueFrame = null;
      return;
    }
    stack.push(frame);
    if (opts.flatten.has(tag.name)) {
      opaque = 1;
      skipping = false;
      opaqueFrame = frame;
    }
  });
  parser.on('text', (t) => {
    if (skipping) return;
    const f = opaqueFrame ?? stack[stack.length - 1];
    f.text += t;
  });
  parser.on('cdata', (t) => {
    if (skipping) return;
    (opaqueFrame ?? stack[stack.length - 1]).text += t;
  });
  parser.on('closetag', () => {
    if (opaque > 1) {
      opaque--;
      return;
    }
    if (opaque === 1) {
      opaque = 0;
      if (skipping) {
        skipping = false;
        return;
      }
      opaqueFrame = null;
    }
    const f = stack.pop() as Frame;
    const parent = stack[stack.length - 1];
    const text = f.text.trim();
    let value: unknown;
    if (!f.hasContent) value = text;
    else {
      if (text) f.node['#text'] = text;
      value = f.node;
    }
    const prev = parent.node[f.name];
    if (prev === undefined) parent.node[f.name] = opts.arrays.has(f.name) ? [value] : value;
    else if (Array.isArray(prev)) prev.push(value);
    else parent.node[f.name] = [prev, value];
  });

  try {
    parser.write(xml).close();
  } catch (e) {
    const m = /^(?:[^:]*:)?(\d+):(\d+): (.*)$/s.exec((e as Error).message);
    throw m ? new XmlSyntaxError(Number(m[1]), Number(m[2]), m[3]) : new XmlSyntaxError(parser.line, parser.column, (e as Error).message);
  }
  return { root, tree: top.node };
}
