/**
 * `postdesk` commands: `token create`. (`ingest` arrives with the inbound pipeline.)
 * Exit codes follow sysexits: 64 usage, 75 storage unreachable (retry), 78 configuration.
 * stdout carries only the command's result (e.g. the token), logs go to stderr.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { issueToken } from './auth/tokens.js';
import { ConfigError, loadConfig, type Config } from './config/env.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './db/embedded.js';
import { migrate, openOrm, type Orm } from './db/orm.js';
import { Role } from './entities/enums.js';
import { AppError } from './errors.js';
import { EXIT } from './exit-codes.js';
import { createLogger, type Logger } from './log.js';

const USAGE = `usage:
  postdesk token create --role ADMIN|AGENT --email EMAIL [--name NAME]   print a new API token once`;

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
