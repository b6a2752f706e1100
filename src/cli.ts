/**
 * `postdesk` commands: `token create`, `ingest` (the pipe door for MTAs) and `check` (whether the
 * configuration can work, changing nothing: check.ts).
 * Exit codes follow sysexits: 64 usage, 69 a configured service failed its check, 75 storage
 * unreachable (retry), 78 configuration.
 * stdout carries only the command's result (e.g. the token), logs go to stderr.
 */
import './node-version.js'; // first: before any library loads
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { issueToken } from './auth/tokens.js';
import { ConfigError, loadConfig, type Config } from './config/env.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './db/embedded.js';
import { migrate, openOrm, type Orm } from './db/orm.js';
import { Door, Role } from './entities/enums.js';
import { ingestMessage, type IngestOutcome } from './ingest/ingest-message.js';
import { resolveSecret } from './ingest/secret.js';
import { AppError } from './errors.js';
import { formatResults, runChecks } from './check.js';
import { EXIT } from './exit-codes.js';
import { createLogger, type Logger } from './log.js';

const USAGE = `usage:
  postdesk token create --role ADMIN|AGENT --email EMAIL [--name NAME]   print a new API token once
  postdesk ingest [--mailbox NAME] < message.eml                         store one raw message
      exit 0 once stored (ticket, comment or quarantine), 75 when storage is unreachable
  postdesk check                                                         try the database, mailboxes and SMTP relay; change nothing
      exit 0 when every check passed, 69 when one failed`;

class UsageError extends Error {}

/** Opens the configured database (or the embedded one of DATA_DIR), migrated, for one command. */
async function withDatabase<T>(config: Config, log: Logger, work: (orm: Orm) => Promise<T>): Promise<T> {
  let embedded: EmbeddedDatabase | null = null;
  let orm: Orm | null = null;
  try {
    const url = config.databaseUrl ?? (embedded = await startEmbeddedDatabase(config.dataDir, log, false)).url;
    orm = await openOrm(url);
    await migrate(orm);
    return await work(orm);
  } finally {
    await orm?.close();
    await embedded?.stop();
  }
}

async function tokenCreate(args: string[], config: Config, log: Logger): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { role: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' } },
    strict: true,
  });
  const role = values.role?.toUpperCase();
  if (role !== Role.ADMIN && role !== Role.AGENT) throw new UsageError('--role must be ADMIN or AGENT');
  if (!values.email || !/^[^\s@]+@[^\s@]+$/.test(values.email)) throw new UsageError('--email must be an email address');
  const email = values.email;
  const secret = await withDatabase(config, log, async (orm) => {
    const em = orm.em.fork();
    const issued = await issueToken(em, { email, role, name: values.name ?? null, label: 'cli' });
    await em.flush();
    return issued.secret;
  });
  process.stdout.write(`${secret}\n`);
}

async function readStdin(limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The pipe door: an MTA (or a person) hands one message on standard input. */
async function ingest(args: string[], config: Config, log: Logger): Promise<number> {
  const { values } = parseArgs({ args, options: { mailbox: { type: 'string' } }, strict: true });
  const configured = config.mailboxes.find((m) => m.name === values.mailbox);
  const mailbox = values.mailbox
    ? { name: values.mailbox, role: configured?.role ?? 'SUPPORT', address: configured?.address ?? null }
    : null;
  const raw = await readStdin(config.maxMessageBytes);
  if (raw === null) {
    process.stderr.write(`postdesk: message larger than MAX_MESSAGE_MB (${Math.round(config.maxMessageBytes / 1048576)} MB); not stored\n`);
    return EXIT.DATAERR;
  }
  if (raw.length === 0) throw new UsageError('no message on standard input');
  const outcome = await withDatabase(config, log, async (orm) => {
    const secret = await resolveSecret(config, orm.em.fork());
    return ingestMessage(orm, raw, { door: Door.PIPE, mailbox, uidValidity: null, uid: null }, { config, secret, log });
  });
  process.stdout.write(`${describeOutcome(outcome)}\n`);
  return EXIT.OK;
}

function describeOutcome(outcome: IngestOutcome): string {
  switch (outcome.kind) {
    case 'ticket':
      return `ticket #${outcome.ticketNumber} created`;
    case 'comment':
      return `comment added to ticket #${outcome.ticketNumber}`;
    case 'duplicate':
      return `duplicate of a message on ticket #${outcome.ticketNumber}`;
    case 'note':
      return `delivery notice attached to ticket #${outcome.ticketNumber}`;
    case 'quarantined':
      return `quarantined (${outcome.code}): ${outcome.reason}`;
    case 'already-ingested':
      return 'already ingested';
  }
}

export async function runCli(argv: string[]): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`postdesk: ${error.message}\n`);
      return EXIT.CONFIG;
    }
    throw error;
  }
  // Logs go to stderr so stdout stays the command's output; quiet unless something is wrong.
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, process.stderr);
  const [command, sub, ...rest] = argv;
  try {
    if (command === 'token' && sub === 'create') {
      await tokenCreate(rest, config, log);
      return EXIT.OK;
    }
    if (command === 'ingest') return await ingest(argv.slice(1), config, log);
    if (command === 'check' && sub === undefined) {
      const results = await runChecks(config, log);
      process.stdout.write(formatResults(results));
      return results.every((r) => r.ok) ? EXIT.OK : EXIT.UNAVAILABLE;
    }
    throw new UsageError(command ? `unknown command: ${[command, sub].filter(Boolean).join(' ')}` : 'no command given');
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`postdesk: ${(error as Error).message}\n${USAGE}\n`);
      return EXIT.USAGE;
    }
    if (error instanceof AppError && error.kind === 'transient') {
      process.stderr.write(`postdesk: ${error.message}\n`);
      return EXIT.TEMPFAIL;
    }
    if (error instanceof AppError && (error.code === 'DATA_DIR_UNREACHABLE' || error.code === 'CONFIG_INVALID')) {
      process.stderr.write(`postdesk: ${error.message}\n`);
      return EXIT.CONFIG;
    }
    log.error({ err: error }, 'command failed');
    return EXIT.SOFTWARE;
  }
}
