/**
 * Warning banners that the desk's own mail system writes into mail from outside (EXTERNAL_BANNERS),
 * such as a Microsoft 365 transport rule's "CAUTION: This email originated from outside of the
 * organization. …" above every customer's text. Left in, each ticket message would start with it,
 * lists would preview it instead of the customer's words, and an agent's reply would quote it back
 * to the customer (REPLY_HISTORY).
 *
 * A banner is matched whole, without regard to case or to how its words are spaced or wrapped:
 * in the text only where it starts the text (a banner is prepended; the same words later are the
 * sender's), in the HTML as the innermost element whose whole text it is (the sanitiser's
 * exclusive filter, see sanitize-html.ts), wherever that element is (a quoted earlier mail carries
 * it too).
 */

export interface BannerMatcher {
  /** Whether an element whose text is `text` is a banner. */
  isBanner(text: string): boolean;
  /** `text` without the banners at its start (and the blank lines after them); `text` itself when it has none. */
  stripLeading(text: string): string;
}

const normalise = (text: string): string => text.replace(/\s+/g, ' ').trim().toLowerCase();
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Built once per configured list (the configuration's array is the same for every message). */
const matchers = new WeakMap<readonly string[], BannerMatcher>();

/** A matcher for `banners`; null when there are none (nothing to do). */
export function bannerMatcher(banners: readonly string[]): BannerMatcher | null {
  if (banners.length === 0) return null;
  let matcher = matchers.get(banners);
  if (!matcher) {
    matcher = compile(banners);
    matchers.set(banners, matcher);
  }
  return matcher;
}

function compile(banners: readonly string[]): BannerMatcher {
  const whole = new Set(banners.map(normalise));
  // An element's text holds all of its descendants': only short ones can be a banner, and the
  // filter runs for every element, so longer text is not even normalised.
  const longest = 3 * Math.max(...[...whole].map((banner) => banner.length)) + 100;
  const leading = banners.map((banner) => new RegExp(`^\\s*${normalise(banner).split(' ').map(escapeRegExp).join('\\s+')}\\s*`, 'i'));
  return {
    isBanner: (text) => text.length <= longest && whole.has(normalise(text)),
    stripLeading(text) {
      let rest = text;
      for (let pattern = leading.find((p) => p.test(rest)); pattern; pattern = leading.find((p) => p.test(rest))) rest = rest.replace(pattern, '');
      return rest === text ? text : rest;
    },
  };
}
