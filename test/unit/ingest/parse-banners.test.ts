import { describe, expect, it } from 'vitest';
import { DEFAULT_EXTERNAL_BANNERS } from '../../../src/config/env.js';
import { DEFAULT_ATTACHMENT_POLICY, parseMessage } from '../../../src/ingest/parse.js';
import { bannerMatcher } from '../../../src/ingest/parse/banners.js';
import { buildEml } from './build-eml.js';

const BANNER = DEFAULT_EXTERNAL_BANNERS[0]!;
const options = { banners: DEFAULT_EXTERNAL_BANNERS };
const ALTERNATIVE = 'multipart/alternative';
/** As a Microsoft 365 transport rule prepends it: a coloured table above the customer's HTML, and a paragraph above the text. */
const bannerTable = `<table border="0" cellspacing="0" cellpadding="0" width="100%"><tr><td style="background:#FFEB9C;padding:5pt"><b><span style="color:#9C6500">CAUTION:</span></b><span> This email originated from outside of the organization. Do not click links or open attachments unless you recognize the sender and know the content is safe.</span></td></tr></table>`;

describe('warning banners of the desk\'s own mail system (EXTERNAL_BANNERS)', () => {
  it('are left out of the text, the new part and the HTML of a customer\'s mail', async () => {
    const m = await parseMessage(
      buildEml({ text: `${BANNER}\r\n\r\nHello, the printer on floor 3 jams.\r\n`, html: `${bannerTable}<div><p>Hello, the printer on floor 3 jams.</p></div>`, multipart: ALTERNATIVE }),
      DEFAULT_ATTACHMENT_POLICY,
      options,
    );
    expect(m.text).toBe('Hello, the printer on floor 3 jams.\n');
    expect(m.visibleText).toBe('Hello, the printer on floor 3 jams.');
    expect(m.html).not.toContain('originated');
    expect(m.html).toContain('<p>Hello, the printer on floor 3 jams.</p>');
  });

  it('are left out of text derived from HTML-only mail, whose lines wrap anywhere in the banner', async () => {
    const m = await parseMessage(buildEml({ html: `${bannerTable}<p>The VPN drops every hour.</p>` }), DEFAULT_ATTACHMENT_POLICY, options);
    expect(m.text.trim()).toBe('The VPN drops every hour.');
  });

  it('stay where the customer wrote the same words later, and everywhere without EXTERNAL_BANNERS', async () => {
    const asked = `Why does our mail say "${BANNER}"?`;
    const m = await parseMessage(buildEml({ text: asked, html: `<p>${asked}</p>`, multipart: ALTERNATIVE }), DEFAULT_ATTACHMENT_POLICY, options);
    expect(m.text).toBe(asked);
    expect(m.html).toContain(BANNER);
    const plain = await parseMessage(buildEml({ text: `${BANNER}\r\n\r\nHello`, html: `${bannerTable}<p>Hello</p>`, multipart: ALTERNATIVE }), DEFAULT_ATTACHMENT_POLICY);
    expect(plain.text).toContain(BANNER);
    expect(plain.html).toContain('originated from outside');
  });

  it('match whole, whatever the case and spacing, and only at the start of a text', () => {
    const matcher = bannerMatcher(['[EXTERNAL EMAIL] Be careful with links and attachments.', BANNER])!;
    expect(matcher.isBanner('  [external email]\n be careful   with links and attachments. ')).toBe(true);
    expect(matcher.isBanner('[EXTERNAL EMAIL] Be careful with links and attachments. Hello')).toBe(false);
    expect(matcher.stripLeading(`[EXTERNAL EMAIL] Be careful with\nlinks and attachments.\n\n${BANNER}\n\nHello`)).toBe('Hello');
    const later = `Hello\n\n${BANNER}`;
    expect(matcher.stripLeading(later)).toBe(later);
    expect(bannerMatcher([])).toBeNull();
  });
});
