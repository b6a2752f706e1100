/**
 * An in-process SMTP server that captures every message, for tests of outbound mail. Plain SMTP on
 * 127.0.0.1 and a free port, no TLS, no auth required. Hooks can reject a recipient or a message with
 * any SMTP code, to test how the sender handles 4xx (retry) and 5xx (give up) replies.
 */
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';

export interface CapturedMail {
  /** Envelope sender (MAIL FROM); '' for the null sender `<>`. */
  readonly from: string;
  /** Envelope recipients (RCPT TO), in the order given. */
  readonly to: readonly string[];
  /** The message exactly as received after DATA (dot-unstuffed). */
  readonly raw: Buffer;
}

/** What a hook returns to refuse: the SMTP reply code (e.g. 450, 550) and optional text. */
export interface SmtpRejection {
  readonly code: number;
  readonly message?: string;
}

/**
 * What the sink does after a message has arrived and been captured, instead of answering at once:
 * `'disconnect'` drops the connection without any reply (the message was delivered, but the
 * sender cannot know: the classic duplicate case); `{ delayMs }` holds the final reply that long
 * (longer than the sender's timeout makes it give up on a message that did arrive).
 */
export type AfterData = 'disconnect' | { readonly delayMs: number };

export interface SmtpSinkOptions {
  /** Called per MAIL FROM; return a rejection to refuse the transaction. */
  onMailFrom?(address: string, session: SMTPServerSession): SmtpRejection | void;
  /** Called per RCPT TO; return a rejection to refuse that recipient. */
  onRcpt?(address: string, session: SMTPServerSession): SmtpRejection | void;
  /** Called once the whole message has arrived; return a rejection to refuse it (it is then not captured). */
  onData?(mail: CapturedMail): SmtpRejection | void;
  /** Called after a message was accepted and captured, before the final reply (see AfterData). */
  afterData?(mail: CapturedMail): AfterData | void;
  /** The text of the final 250 reply, e.g. Amazon SES's "Ok <its Message-ID>"; default: smtp-server's. */
  reply?(mail: CapturedMail): string;
  /** A fixed port (e.g. to start a sink where a stopped one listened); default: a free one. */
  port?: number;
  /** Demand an XOAUTH2 login (as Microsoft 365 and Gmail do) and accept the tokens this says are good; default: no login. */
  xoauth2?(user: string, accessToken: string): boolean;
}

export interface SmtpSink {
  readonly port: number;
  /** `smtp://127.0.0.1:PORT` */
  readonly url: string;
  /** Every accepted message, in arrival order. */
  readonly messages: CapturedMail[];
  /** Resolves with the messages once at least `count` have arrived; rejects after `timeoutMs` saying how many did. */
  waitFor(count: number, timeoutMs?: number): Promise<CapturedMail[]>;
  stop(): Promise<void>;
}

function smtpError(rejection: SmtpRejection): Error {
  // smtp-server sends `responseCode` as the reply code; without it every error becomes a 4xx/5xx default.
  return Object.assign(new Error(rejection.message ?? `Rejected by test hook (${rejection.code})`), { responseCode: rejection.code });
}

/**
 * Starts a capturing SMTP server on 127.0.0.1 and a free port.
 *
 * @param options hooks that may refuse a recipient or a message with a chosen SMTP code.
 */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: CapturedMail[] = [];
  const waiters = new Set<() => void>();
  const addressOf = (a: SMTPServerAddress | false): string => (a ? a.address : '');

  const xoauth2 = options.xoauth2;
  const server = new SMTPServer({
    authOptional: !xoauth2,
    ...(xoauth2 && {
      authMethods: ['XOAUTH2'],
      allowInsecureAuth: true, // no TLS between the test and its sink
      onAuth(auth, _session, callback) {
        if (auth.method === 'XOAUTH2' && auth.username && auth.accessToken && xoauth2(auth.username, auth.accessToken)) return callback(null, { user: auth.username });
        // RFC 7628's failure: the client then renews its token.
        callback(null, { data: { status: '401', schemes: 'bearer', scope: 'https://outlook.office365.com/.default' } });
      },
    }),
    disabledCommands: ['STARTTLS'],
    logger: false,
    // stop() should not wait the default 30 s for a client that keeps its connection (e.g. a pool).
    closeTimeout: 500,
    onMailFrom(address, session, callback) {
      const rejection = options.onMailFrom?.(address.address, session);
      callback(rejection ? smtpError(rejection) : null);
    },
    onRcptTo(address, session, callback) {
      const rejection = options.onRcpt?.(address.address, session);
      callback(rejection ? smtpError(rejection) : null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error) => callback(error));
      stream.on('end', () => {
        const mail: CapturedMail = { from: addressOf(session.envelope.mailFrom), to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks) };
        const rejection = options.onData?.(mail);
        if (rejection) return callback(smtpError(rejection));
        messages.push(mail);
        waiters.forEach((w) => w());
        const after = options.afterData?.(mail);
        if (after === 'disconnect') {
          // No reply at all: the connection whose session this is goes away (smtp-server keeps the socket private).
          for (const connection of server.connections as Set<{ id: string; _socket: { destroy(): void } }>) {
            if (connection.id === session.id) connection._socket.destroy();
          }
          return;
        }
        const reply = options.reply?.(mail);
        if (after) setTimeout(() => callback(null, reply), after.delayMs).unref();
        else callback(null, reply);
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // smtp-server re-emits every connection error (e.g. a client hanging up mid-session) on the server;
  // an 'error' event without a listener would crash the test process over a test's own disconnect.
  server.on('error', () => undefined);
  const address = server.server.address();
  if (!address || typeof address !== 'object') throw new Error('SMTP sink has no port');
  const port = address.port;

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    waitFor(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (messages.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(messages.slice());
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`SMTP sink: waited ${timeoutMs} ms for ${count} message(s), got ${messages.length}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
