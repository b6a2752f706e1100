/** Reading HTML the way a browser-side check would: every element as htmlparser2 builds it. */
import { parseDocument } from 'htmlparser2';

export interface HtmlElement {
  name: string;
  attributes: [string, string][];
}

/** Every element of the document, scripts and styles included (entities decoded, names lower-cased). */
export function elementsOf(html: string): HtmlElement[] {
  const out: HtmlElement[] = [];
  const walk = (nodes: ReturnType<typeof parseDocument>['children']) => {
    for (const node of nodes) {
      if (node.type === 'tag' || node.type === 'script' || node.type === 'style') {
        out.push({ name: node.name.toLowerCase(), attributes: Object.entries(node.attribs).map(([k, v]) => [k.toLowerCase(), v]) });
      }
      if ('children' in node) walk(node.children);
    }
  };
  walk(parseDocument(html, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true }).children);
  return out;
}
