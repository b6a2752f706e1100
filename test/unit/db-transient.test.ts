/** Which database failures are "not now" (retried, mail left waiting) rather than "wrong" (quarantined): db/transient.ts. */
import { describe, expect, it } from 'vitest';
import { isTransientDatabaseError } from '../../src/db/transient.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('transient database errors', () => {
  it.each([
    ['a restart (admin shutdown)', withCode('terminating connection due to administrator command', '57P01')],
    ['a server starting up', withCode('the database system is starting up', '57P03')],
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a serialisation race', withCode('could not serialize access due to concurrent update', '40001')],
    ['a full disk', withCode('could not extend file: No space left on device', '53100')],
    ['a connection that died under a query', new Error('Connection terminated unexpectedly')],
    ['a pooled client whose connection failed earlier', new Error('Client has encountered a connection error and is not queryable')],
    ['a client closed meanwhile', new Error('Client was closed and is not queryable')],
    ['the driver wrapping it', Object.assign(new Error('Client has encountered a connection error and is not queryable'), { name: 'DriverException' })],
  ])('%s is transient', (_case, error) => {
    expect(isTransientDatabaseError(error)).toBe(true);
  });

  it.each([
    ['a unique violation', withCode('duplicate key value violates unique constraint', '23505')],
    ['a syntax error', withCode('syntax error at or near "selec"', '42601')],
    ['invalid text', withCode('invalid byte sequence for encoding "UTF8": 0x00', '22021')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
  ])('%s is not', (_case, error) => {
    expect(isTransientDatabaseError(error)).toBe(false);
  });
});
