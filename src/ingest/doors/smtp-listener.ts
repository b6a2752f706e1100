/**
 * The local SMTP door (SMTP_INBOUND_PORT): an MTA or a test script hands us mail over SMTP and gets
 * 250 only after the message is committed, 451 when storage is down (the sender retries), and 552
 * when it exceeds MAX_MESSAGE_MB. postdesk never relays: every accepted message goes to ingest.
 */
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Config } from '../../config/env.js';
import { AppError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { SmtpEnvelope } from '../authenticate-sender.js';
import type { IngestOutcome, Provenance } from '../ingest-message.js';
import { smtpProvenance } from './smtp-provenance.js';

export type IngestFn = (raw: Buffer, provenance: Provenance) => Promise<IngestOutcome>;

export interface SmtpListener {
  readonly port: number;
  stop(): Promise<void>;
}

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

async function readAll(stream: SMTPServerDataStream, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  return stream.sizeExceeded || size > limit ? null : Buffer.concat(chunks);
}

function hungUp(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ECONNECTION' || code === 'ERR_STREAM_PREMATURE_CLOSE';
}

/** What the session saw: for SPF (sender authentication) the connecting client, its HELO and MAIL FROM; for routing, where the mail was sent to. */
function envelopeOf(session: SMTPServerSession): SmtpEnvelope {
  return {
    ip: session.remoteAddress,
    helo: session.hostNameAppearsAs || null,
    mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    recipients: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
  };
}

export async function startSmtpListener(config: Config, ingest: IngestFn, log: Logger): Promise<SmtpListener> {
  const server = new SMTPServer({
    name: 'postdesk',
    banner: 'postdesk ingest',
    size: config.maxMessageBytes,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      readAll(stream, config.maxMessageBytes)
        .then(async (raw) => {
          if (!raw) return callback(smtpError(`message exceeds ${Math.round(config.maxMessageBytes / 1048576)} MB`, 552));
          const outcome = await ingest(raw, smtpProvenance(envelopeOf(session), config));
          log.info({ outcome: outcome.kind }, 'smtp message accepted');
          callback(null, `stored as ${outcome.kind}`);
        })
        .catch((error: unknown) => {
          // smtp-server destroys the data stream when the client goes away mid-message: nothing
          // was ingested (a truncated copy must never be), and the sender, who got no 250, resends.
          if (hungUp(error)) return log.info('smtp client hung up before the end of the message; nothing stored');
          const transient = error instanceof AppError && error.kind === 'transient';
          log.warn({ err: error }, transient ? 'storage unavailable; asked the sender to retry' : 'smtp ingest failed');
          callback(smtpError(transient ? 'storage temporarily unavailable, try again later' : 'processing failed, try again later', 451));
        });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.smtpInboundPort, config.host, () => resolve());
  });
  server.on('error', (error) => log.warn({ err: error }, 'smtp listener error'));
  const address = server.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : config.smtpInboundPort,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
