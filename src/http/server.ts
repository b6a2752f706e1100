/**
 * The one HTTP server: /healthz, /readyz, /metrics, /graphql, file routes, and JSON 404s for everything else.
 * Routes are thin; they read the runtime state and hand GraphQL to Apollo.
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { authenticate, matchesConfiguredSecret } from '../auth/tokens.js';
import { QuarantinedMessage, RawSource } from '../entities/index.js';
import { Role } from '../entities/enums.js';
import type { Config } from '../config/env.js';
import type { GraphQLContext } from '../graphql/context.js';
import { createErrorFormatter } from '../graphql/format-error.js';
import { jitExecutor, noProtoAliasRule } from '../graphql/jit-executor.js';
import { createLoaders } from '../graphql/loaders.js';
import { apolloLimitOptions, refuseBatchedRequests } from '../graphql/limits.js';
import { storableStringRule } from '../graphql/storable-input.js';
import { registerAttachmentRoute } from './attachments.js';
import { authenticateRequest, bearer } from './request-auth.js';
import { registerUploadRoute } from './uploads.js';
import { withIde } from './ide.js';
import { sendUnavailable, unavailableGraphQLError } from './unavailable.js';
import { isTransientDatabaseError } from '../db/transient.js';
import { throttledLog, type Logger } from '../log.js';
import { createMetricsRegistry } from '../metrics.js';
import type { RuntimeState } from '../runtime-state.js';

function graphQLError(message: string, code: string, status: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status } } });
}

export interface HttpServer {
  readonly fastify: FastifyInstance;
  readonly apollo: ApolloServer<GraphQLContext>;
}

export async function createHttpServer(config: Config, state: RuntimeState, schema: GraphQLSchema, log: Logger): Promise<HttpServer> {
  const verbose = config.logLevel === 'debug' || config.logLevel === 'trace';
  const fastify: FastifyInstance = Fastify({
    // A line per request is noise at info: fastify's own logging shows warnings unless debugging.
    loggerInstance: log.child({ component: 'http' }, { level: verbose ? config.logLevel : 'warn' }) as FastifyBaseLogger,
    return503OnClosing: true,
  });
  const limits = apolloLimitOptions(config.graphqlIntrospection);
  // One line a minute while PostgreSQL is unreachable, whichever route noticed it.
  const databaseDown = throttledLog(log.child({ component: 'http' }), 'warn', 'database unreachable; requests answered 503 SERVICE_UNAVAILABLE');
  const apollo = new ApolloServer<GraphQLContext>({
    // main.ts alone handles SIGINT/SIGTERM. Apollo's own handlers (on unless NODE_ENV=test) started a
    // second stop() at the signal; app.stop()'s call then waited on Apollo 5.5's stop barrier, which
    // a successful stop never resolves, whenever the doors stopped first (an IMAP server out of
    // reach): the gateway hung until the 10 s deadline and exited 70 (bench:faults, reconnect).
    stopOnTerminationSignals: false,
    // Our schema, executed with graphql-jit (why in jit-executor.ts).
    gateway: jitExecutor(schema),
    validationRules: [noProtoAliasRule, storableStringRule],
    introspection: config.graphqlIntrospection,
    includeStacktraceInErrorResponses: config.logLevel === 'debug',
    formatError: createErrorFormatter(log.child({ component: 'graphql' }), config.logLevel === 'debug', databaseDown),
    allowBatchedHttpRequests: limits.allowBatchedHttpRequests,
    parseOptions: limits.parseOptions,
    // Compact JSON (Apollo pretty-prints by default) and no per-field cache-control hints (we send
    // no Cache-Control for GraphQL): each cost a tenth of a page's CPU in bench:api's profile.
    stringifyResult: (value) => JSON.stringify(value),
    plugins: [fastifyApolloDrainPlugin(fastify), ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled(), ...limits.plugins],
  });
  await apollo.start();

  fastify.get('/healthz', async () => ({ status: 'ok' }));

  fastify.get('/readyz', async (_request, reply) => {
    const report = await state.readiness();
    return reply.code(report.ready ? 200 : 503).send(report);
  });

  const handler = fastifyApolloHandler(apollo, {
    context: async (request): Promise<GraphQLContext> => {
      const orm = state.orm;
      if (!orm) throw unavailableGraphQLError();
      const secret = bearer(request);
      if (!secret) throw graphQLError('an Authorization: Bearer <token> header is required', 'UNAUTHENTICATED', 401);
      const em = orm.em.fork();
      const principal = await authenticate(em, secret).catch((error: unknown) => {
        if (!isTransientDatabaseError(error)) throw error;
        databaseDown({ reason: (error as Error).message });
        throw unavailableGraphQLError();
      });
      if (!principal) throw graphQLError('the token is unknown, revoked or belongs to a deactivated agent', 'UNAUTHENTICATED', 401);
      return {
        principal,
        em,
        loaders: createLoaders(em, principal, config),
        orm,
        secret: state.secret ?? '',
        config,
        log: log.child({ component: 'graphql', reqId: request.id, actor: principal.email }),
      };
    },
  });
  // Browsers opening /graphql get the offline IDE (ide.ts); Apollo's CDN landing page stays disabled.
  fastify.route({ url: '/graphql', method: ['GET', 'POST', 'OPTIONS'], preHandler: refuseBatchedRequests, handler: withIde(handler) });

  // Attachment.url: the bytes of one attachment, with the same token and ticket access as GraphQL.
  registerAttachmentRoute(fastify, () => state.orm);
  // POST /uploads: a file an agent will name in replyToTicket, addNote or createTicket.
  registerUploadRoute(fastify, config, () => state.orm);

  // The raw bytes of a quarantined message, for admins to inspect (never rendered inline).
  fastify.get<{ Params: { id: string } }>('/quarantine/:id/raw', async (request, reply) => {
    const caller = await authenticateRequest(state.orm, request, reply);
    if (!caller) return reply;
    const { principal, em } = caller;
    if (principal.role !== Role.ADMIN) return reply.code(403).send({ error: 'FORBIDDEN', message: 'only admins may read quarantined mail' });
    const id = Number(request.params.id);
    const record = Number.isInteger(id) ? await em.findOne(QuarantinedMessage, id) : null;
    if (!record?.rawSource) return reply.code(404).send({ error: 'NOT_FOUND', message: 'no such quarantined message' });
    const raw = await em.findOneOrFail(RawSource, record.rawSource.id, { populate: ['content'] });
    return reply
      .header('content-type', 'message/rfc822')
      .header('content-disposition', `attachment; filename="quarantined-${id}.eml"`)
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "sandbox; default-src 'none'")
      .send(raw.content);
  });

  // Prometheus metrics (metrics.ts) for any valid token: an agent with no queues can read them
  // and nothing else, so a scraper needs no admin token. METRICS_TOKEN is checked in memory, so a
  // scrape still answers (postdesk_ready 0, the mailboxes, the process) while PostgreSQL is down.
  const metrics = createMetricsRegistry(state, config);
  fastify.get('/metrics', async (request, reply) => {
    if (!matchesConfiguredSecret(config.metricsToken, bearer(request)) && !(await authenticateRequest(state.orm, request, reply))) return reply;
    const body = await metrics.metrics();
    return reply.header('content-type', metrics.contentType).header('cache-control', 'no-store').send(body);
  });

  fastify.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });
  fastify.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    if (isTransientDatabaseError(error)) {
      databaseDown({ reason: error.message, url: request.url.split('?')[0] });
      return sendUnavailable(reply);
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    void reply.code(status).send({ error: status >= 500 ? 'INTERNAL' : 'BAD_REQUEST', message: status >= 500 ? 'internal server error' : error.message });
  });
  return { fastify, apollo };
}
