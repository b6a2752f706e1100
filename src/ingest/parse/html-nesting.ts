/**
 * Flattens HTML nested deeper than a limit, in one linear pass, before the sanitiser parses it
 * (TESTPLAN M8: 100,000 nested <div>).
 *
 * Why: htmlparser2 (under sanitize-html) keeps its open-element stack at the front of an array, so
 * parsing is quadratic in nesting depth: 100,000 nested divs took 7.5 s. Browsers flatten beyond 512
 * levels anyway, so tags deeper than the limit are dropped (their text stays) along with their end
 * tags. Like htmlparser2: a start tag opens an element (a trailing "/" does not close it in HTML),
 * an end tag closes down to the nearest open element of that name, void and implied-end elements
 * (li, td, p ...) do not nest. The result only has to be bounded, not a perfect parse: the
 * sanitiser still decides what is safe.
 */

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
const IMPLIED_END = new Set(['p', 'li', 'dt', 'dd', 'option', 'optgroup', 'tr', 'td', 'th', 'thead', 'tbody', 'tfoot', 'rt', 'rp']);
const TAG_NAME = /[A-Za-z0-9:_-]/;

/**
 * `html` with start and end tags deeper than `maxDepth` removed.
 * @param maxDepth deepest nesting kept
 */
export function limitNesting(html: string, maxDepth: number): string {
  const stack: string[] = [];
  const open = new Map<string, number>();
  const dropped = new Map<string, number>();
  const out: string[] = [];
  let kept = 0; // html[kept, i) is still to be copied
  let i = html.indexOf('<');
  while (i >= 0) {
    if (html.startsWith('!--', i + 1)) {
      const end = html.indexOf('-->', i + 4);
      i = end < 0 ? -1 : html.indexOf('<', end + 3);
      continue;
    }
    const closing = html[i + 1] === '/';
    let pos = closing ? i + 2 : i + 1;
    const nameStart = pos;
    while (pos < html.length && TAG_NAME.test(html[pos]!)) pos++;
    const end = pos > nameStart ? html.indexOf('>', pos) : -1;
    if (pos === nameStart || end < 0) {
      if (end < 0 && pos > nameStart) break;
      i = html.indexOf('<', pos);
      continue;
    }
    const name = html.slice(nameStart, pos).toLowerCase();
    let drop = false;
    if (!VOID.has(name) && !IMPLIED_END.has(name)) {
      if (!closing && stack.length >= maxDepth) {
        drop = true;
        dropped.set(name, (dropped.get(name) ?? 0) + 1);
      } else if (!closing) {
        stack.push(name);
        open.set(name, (open.get(name) ?? 0) + 1);
      } else if ((dropped.get(name) ?? 0) > 0) {
        drop = true;
        dropped.set(name, dropped.get(name)! - 1);
      } else if ((open.get(name) ?? 0) > 0) {
        let popped: string | undefined;
        do {
          popped = stack.pop()!;
          open.set(popped, open.get(popped)! - 1);
        } while (popped !== name);
      }
    }
    if (drop) {
      out.push(html.slice(kept, i));
      kept = end + 1;
    }
    i = html.indexOf('<', end + 1);
  }
  if (kept === 0) return html;
  out.push(html.slice(kept));
  return out.join('');
}
