import { describe, expect, it } from 'vitest';
import { generateTokenSecret, hashToken, visiblePrefix } from '../../src/auth/tokens.js';

describe('API token secrets (TESTPLAN S18)', () => {
  it('carry at least 256 random bits and never repeat', () => {
    const secrets = new Set(Array.from({ length: 1000 }, generateTokenSecret));
    expect(secrets.size).toBe(1000);
    for (const secret of secrets) {
      expect(secret).toMatch(/^pd_[A-Za-z0-9_-]{43}$/); // 43 base64url characters = 256 bits
    }
  });

  it('are stored as SHA-256 hex, and only a short prefix is kept visible', () => {
    const secret = generateTokenSecret();
    expect(hashToken(secret)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(secret)).not.toContain(secret.slice(3));
    expect(visiblePrefix(secret)).toBe(secret.slice(0, 9));
  });
});
