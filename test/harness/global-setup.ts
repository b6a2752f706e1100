/**
 * Once per test run: a PostgreSQL server (embedded, or TEST_DATABASE_URL's server) and a template
 * database with every migration applied. Each test file then clones the template (harness/postgres.ts),
 * so files never share rows and nothing is truncated.
 */
import 'reflect-metadata';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/db/embedded.js';
import { migrate, openOrm } from '../../src/db/orm.js';
import { createLogger } from '../../src/log.js';

export const TEMPLATE = `postdesk_template_${process.pid}`;

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the server's maintenance database, for CREATE DATABASE. */
    pgAdminUrl: string;
    pgTemplate: string;
  }
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let embedded: EmbeddedDatabase | null = null;
  let dir: string | null = null;
  let adminUrl: string;
  if (process.env.TEST_DATABASE_URL) {
    adminUrl = process.env.TEST_DATABASE_URL;
    console.info(`[harness] PostgreSQL: TEST_DATABASE_URL (${new URL(adminUrl).host})`);
  } else {
    dir = mkdtempSync(join(tmpdir(), 'postdesk-test-'));
    chmodSync(dir, 0o755); // the server runs as "postgres" when tests run as root
    // Throwaway data: durability off for speed (the D12 test sets its own per-database setting).
    embedded = await startEmbeddedDatabase(dir, createLogger('warn'), true, ['fsync=off', 'full_page_writes=off', 'max_connections=300']);
    adminUrl = withDatabase(embedded.url, 'postgres');
    console.info(`[harness] PostgreSQL: embedded (${new URL(adminUrl).host})`);
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${TEMPLATE}`);
  await admin.query(`create database ${TEMPLATE}`);
  const orm = await openOrm(withDatabase(adminUrl, TEMPLATE));
  await migrate(orm);
  await orm.close();
  await admin.end();

  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplate', TEMPLATE);

  return async () => {
    if (embedded) {
      await embedded.stop();
    } else {
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      const rows = await cleanup.query<{ datname: string }>(`select datname from pg_database where datname like 'pdt_%' or datname = $1`, [TEMPLATE]);
      for (const { datname } of rows.rows) await cleanup.query(`drop database if exists ${datname} with (force)`);
      await cleanup.end();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
}
