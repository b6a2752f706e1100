import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';

describe('error catalogue', () => {
  it('documents every code in the README with the same meaning', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const [code, meaning] of Object.entries(ERROR_CODES)) {
      expect(readme).toContain(`| \`${code}\` | ${meaning} |`);
    }
  });
});
