import { describe, expect, it } from 'vitest';
import { Satisfaction } from '../../../src/entities/enums.js';
import { ratingIn, ratingLinks } from '../../../src/tickets/satisfaction.js';

describe('satisfaction ratings', () => {
  it('read the rating from the subject the links write, whatever a mail client adds around it', () => {
    expect(ratingIn('Re: [#42] Rating: good')).toBe(Satisfaction.GOOD);
    expect(ratingIn('AW: Re: [#42] rating:BAD')).toBe(Satisfaction.BAD);
    expect(ratingIn('[#42] Rating: Good (sent from my phone)')).toBe(Satisfaction.GOOD);
  });

  it('find no rating in ordinary subjects', () => {
    for (const subject of ['Re: [#42] Printer jam', 'Re: [#42] Rating: goodness me', 'Re: [#42] Rating good', 'Re: [#42] Operating: good', '', null, undefined]) {
      expect(ratingIn(subject), String(subject)).toBeNull();
    }
  });

  it('write mailto: links whose subject reads back as the rating', () => {
    const links = ratingLinks('support+42@example.com', 42);
    expect(links.good).toBe('mailto:support+42@example.com?subject=Re%3A%20%5B%2342%5D%20Rating%3A%20good');
    expect(ratingIn(new URL(links.bad).searchParams.get('subject'))).toBe(Satisfaction.BAD);
    expect(ratingIn(new URL(links.good).searchParams.get('subject'))).toBe(Satisfaction.GOOD);
  });
});
