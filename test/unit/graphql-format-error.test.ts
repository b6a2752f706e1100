import { PassThrough } from 'node:stream';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createErrorFormatter } from '../../src/graphql/format-error.js';
import { createLogger } from '../../src/log.js';

/** An error thrown inside a resolver, as Apollo hands it to formatError. */
function resolverError(original: Error): [ReturnType<GraphQLError['toJSON']>, GraphQLError] {
  const error = new GraphQLError(original.message, { path: ['tickets'], originalError: original });
  return [error.toJSON(), error];
}

function formatter() {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
  const outages: object[] = [];
  const format = createErrorFormatter(createLogger('info', stream), false, (fields = {}) => outages.push(fields));
  return { format, outages, logged: () => lines.map((l) => (JSON.parse(l) as { msg: string }).msg) };
}

describe('GraphQL errors when the database goes away during a request', () => {
  it('answers SERVICE_UNAVAILABLE (retry) for a connection lost mid-query, without an internal-error log line', () => {
    const { format, outages, logged } = formatter();
    const lost = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    const formatted = format(...resolverError(lost));
    expect(formatted).toMatchObject({ message: 'the database is not reachable; retry shortly', path: ['tickets'], extensions: { code: 'SERVICE_UNAVAILABLE' } });
    expect(outages).toEqual([{ reason: 'terminating connection due to administrator command', path: ['tickets'] }]);
    expect(logged()).toEqual([]);
  });

  it('still hides any other failure behind INTERNAL_SERVER_ERROR and logs it', () => {
    const { format, outages, logged } = formatter();
    const formatted = format(...resolverError(new Error('relation "ticket" does not exist')));
    expect(formatted).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(JSON.stringify(formatted)).not.toContain('relation');
    expect(outages).toEqual([]);
    expect(logged()).toEqual(['graphql operation failed']);
  });
});
