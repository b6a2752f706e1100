import { describe, expect, it } from 'vitest';
import { normalisedPattern } from '../../src/people/blocked-senders.js';

describe('blocked sender patterns', () => {
  it('store an address or a whole domain lower case, with the domain in ASCII', () => {
    expect(normalisedPattern(' Spam@Example.COM ')).toBe('spam@example.com');
    expect(normalisedPattern('Example.com')).toBe('@example.com');
    expect(normalisedPattern('@example.com.')).toBe('@example.com');
    expect(normalisedPattern('x@Bücher.test')).toBe('x@xn--bcher-kva.test');
    expect(normalisedPattern('@bücher.test')).toBe('@xn--bcher-kva.test');
  });

  it('refuse what is neither', () => {
    for (const bad of ['', '@', 'localhost', 'a@b', 'x@-bad.test', 'two@@example.test', 'a b@example.test', '"quoted"@example.test', `${'x'.repeat(65)}@example.test`, 'x@exa mple.test']) {
      expect(normalisedPattern(bad), bad).toBeNull();
    }
  });
});
