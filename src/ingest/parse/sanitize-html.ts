/**
 * Inbound HTML made safe to store and show (TESTPLAN S1, S11, M8).
 *
 * Rules: only basic formatting survives (paragraphs, lists, quotes, tables, headings, links, cid:
 * images); no script, style, iframe, object, embed, form controls, meta, base, link, svg or math; no
 * event handler, style, class, id, srcset or background attribute; links only to http, https and
 * mailto, opened with rel="noopener noreferrer nofollow" in a new tab. Nothing may load by itself
 * when an agent reads the message, so every image whose source is not a cid: reference to a part
 * of the message is removed (osTicket's default too): a remote image is a read receipt for the
 * sender and a request to wherever it points (SSRF, TESTPLAN S11). Input longer than 1 MiB is cut
 * with a visible marker and nesting is flattened first, so the work stays bounded. The result is
 * storable text (no NUL, which PostgreSQL refuses: a mislabelled transfer encoding decodes to any
 * byte at all).
 */
import sanitizeHtml from 'sanitize-html';
import type { BannerMatcher } from './banners.js';
import { limitNesting } from './html-nesting.js';
import { MAX_HTML_CHARS, MAX_HTML_DEPTH, TRUNCATED_MARKER } from './limits.js';
import { storableText } from './plain-string.js';

const TABLE_CELL = ['colspan', 'rowspan', 'align', 'valign'];

/** An image without a cid: source would be a remote (or relative) fetch: dropped entirely. */
const sourcelessImage = (frame: sanitizeHtml.IFrame): boolean => frame.tag === 'img' && !frame.attribs.src;

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    'p', 'br', 'div', 'span', 'b', 'i', 'u', 's', 'strong', 'em', 'small', 'sub', 'sup', 'hr',
    'a', 'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'blockquote', 'pre', 'code',
    'table', 'caption', 'colgroup', 'col', 'thead', 'tbody', 'tfoot', 'tr', 'td', 'th',
    'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'img',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel', 'target'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    td: TABLE_CELL,
    th: TABLE_CELL,
    ol: ['start'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['cid'] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  // Elements whose text is code or metadata, not message content.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'head', 'template', 'xmp', 'iframe', 'noembed', 'noframes', 'object', 'svg', 'math'],
  nestingLimit: MAX_HTML_DEPTH,
  transformTags: {
    a: (_tagName, attribs) => {
      const href = urlWithScheme(attribs.href, /^(?:https?|mailto):/i);
      return {
        tagName: 'a',
        attribs: {
          ...(href ? { href } : {}),
          ...(attribs.title ? { title: attribs.title } : {}),
          rel: 'noopener noreferrer nofollow',
          target: '_blank',
        },
      };
    },
    img: (_tagName, attribs) => {
      const src = urlWithScheme(attribs.src, /^cid:/i);
      const { alt, title, width, height } = attribs;
      return { tagName: 'img', attribs: src ? { src, ...defined({ alt, title, width, height }) } : {} };
    },
  },
  exclusiveFilter: sourcelessImage,
};

function defined(attribs: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(attribs).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/**
 * The URL normalised as the WHATWG URL parser reads it (tab and newline removed anywhere, C0 and
 * space trimmed), when its scheme matches; otherwise undefined. Relative URLs never match: they
 * would resolve against our own origin.
 */
function urlWithScheme(value: string | undefined, scheme: RegExp): string | undefined {
  const url = (value ?? '').replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
  return scheme.test(url) ? url : undefined;
}

/** Built once per matcher (bannerMatcher gives the same one for the same configuration). */
const optionsWithout = new WeakMap<BannerMatcher, sanitizeHtml.IOptions>();

/** OPTIONS, and an element whose whole text is a banner (./banners.ts) is left out with its content. */
function withoutBanners(banners: BannerMatcher): sanitizeHtml.IOptions {
  let options = optionsWithout.get(banners);
  if (!options) {
    options = { ...OPTIONS, exclusiveFilter: (frame) => sourcelessImage(frame) || (frame.text !== '' && banners.isBanner(frame.text)) };
    optionsWithout.set(banners, options);
  }
  return options;
}

/**
 * Sanitised HTML for storage and display.
 * @param html the message's HTML as decoded by the parser
 * @param banners the warning banners of the desk's mail system to leave out (EXTERNAL_BANNERS)
 */
export function sanitizeMessageHtml(html: string, banners: BannerMatcher | null = null): string {
  const cut = html.length > MAX_HTML_CHARS;
  const bounded = limitNesting(cut ? html.slice(0, MAX_HTML_CHARS) : html, MAX_HTML_DEPTH);
  const clean = storableText(sanitizeHtml(bounded, banners ? withoutBanners(banners) : OPTIONS));
  return cut ? `${clean}<p>${TRUNCATED_MARKER}</p>` : clean;
}
