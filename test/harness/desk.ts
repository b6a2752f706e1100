/**
 * What most end-to-end tests of agents' work start with: an SMTP server receiving what postdesk
 * sends, a gateway relaying to it as support@example.com, the ingest pipeline on the same
 * database, and alice@example.com as an agent of the General queue. `close()` stops them all.
 */
import { agentOfQueue, startTestApp, type TestApp } from './app.js';
import { createIngestHarness, type IngestHarness } from './ingest.js';
import { startSmtpSink, type SmtpSink, type SmtpSinkOptions } from './smtp-sink.js';

export interface Desk {
  readonly gw: TestApp;
  readonly h: IngestHarness;
  readonly sink: SmtpSink;
  /** Alice's API token. */
  readonly alice: string;
  close(): Promise<void>;
}

/** @param env gateway variables besides SUPPORT_ADDRESS and SMTP_URL */
export async function startDesk(env: Record<string, string> = {}, sinkOptions: SmtpSinkOptions = {}): Promise<Desk> {
  const sink = await startSmtpSink(sinkOptions);
  let gw: TestApp | null = null;
  let h: IngestHarness | null = null;
  const close = async () => {
    await h?.close();
    await gw?.stop();
    await sink.stop();
  };
  try {
    gw = await startTestApp({ SUPPORT_ADDRESS: 'support@example.com', SMTP_URL: sink.url, ...env });
    h = await createIngestHarness({}, gw.databaseUrl);
    const alice = await agentOfQueue(gw, 'alice@example.com');
    return { gw, h, sink, alice, close };
  } catch (error) {
    await close();
    throw error;
  }
}
