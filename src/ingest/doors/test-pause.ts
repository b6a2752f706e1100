/**
 * A test-only hook (POSTDESK_TEST_PAUSE_AFTER_MARK_MS, TESTPLAN D3): the IMAP door waits right
 * after the server acknowledged its mark, so a test can SIGKILL the gateway at exactly the moment
 * where marking before committing would show, and then check that every message marked on the
 * server has its record in the database. 0 (the default) never pauses.
 */
import type { Logger } from '../../log.js';

export async function pauseAfterMark(ms: number, log: Logger, uids: readonly number[]): Promise<void> {
  if (ms <= 0) return;
  log.warn({ uids: uids.length, lastUid: uids.at(-1), pauseMs: ms }, 'test pause after the IMAP mark (POSTDESK_TEST_PAUSE_AFTER_MARK_MS)');
  await new Promise((resolve) => setTimeout(resolve, ms));
}
