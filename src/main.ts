/**
 * The gateway process: the only file that listens and handles signals.
 * Config errors exit 78 with one line per problem and no stack trace.
 */
import './node-version.js'; // first: before any library loads
import 'reflect-metadata';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config/env.js';
import { AppError } from './errors.js';
import { EXIT } from './exit-codes.js';
import { createLogger } from './log.js';

const SHUTDOWN_DEADLINE_MS = 10_000;

async function main(): Promise<void> {
  const startedAt = performance.now();
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`postdesk: ${error.message}\n`);
      process.exit(EXIT.CONFIG);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  const app = createApp(config, log);

  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ signal }, 'shutting down');
    // Deliberately not unref'd: a stop that hangs must end in this logged exit, not a silent one.
    setTimeout(() => {
      log.error('shutdown deadline passed; exiting anyway');
      process.exit(EXIT.SOFTWARE);
    }, SHUTDOWN_DEADLINE_MS);
    app.stop().then(
      () => {
        log.info('stopped');
        log.flush();
        process.exit(EXIT.OK);
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(EXIT.SOFTWARE);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  try {
    const { url, bootstrap } = await app.start();
    if (shuttingDown) return;
    const seconds = ((performance.now() - startedAt) / 1000).toFixed(2);
    if (bootstrap.newAdminToken) {
      // Shown once, on stderr, outside the JSON log stream (the log never holds a token).
      process.stderr.write(`\npostdesk: first start; your admin token (shown once, also in ${bootstrap.adminTokenFile}):\n\n  ${bootstrap.newAdminToken}\n\n`);
    }
    const tokenHint = config.adminToken ? 'the ADMIN_TOKEN variable' : `${config.dataDir}/admin-token (written on first start)`;
    log.info({ url: `${url}/graphql`, startupSeconds: Number(seconds) }, `postdesk ready at ${url}/graphql in ${seconds}s; admin token: ${tokenHint}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(`postdesk: PORT: ${config.host}:${config.port} is already in use by another program\n`);
      await app.stop().catch(() => undefined);
      process.exit(EXIT.CONFIG);
    }
    if (error instanceof AppError && (error.code === 'DATA_DIR_UNREACHABLE' || error.code === 'CONFIG_INVALID')) {
      process.stderr.write(`postdesk: ${error.message}\n`);
      await app.stop().catch(() => undefined);
      process.exit(EXIT.CONFIG);
    }
    log.fatal({ err: error }, 'start-up failed');
    await app.stop().catch(() => undefined);
    process.exit(EXIT.SOFTWARE);
  }
}

void main();
