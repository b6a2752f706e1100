/**
 * API tokens (ADMIN): create (the secret is in that payload and nowhere else, ever), list without
 * secrets, revoke. Each is an admin event with the actor; the secret is never logged or stored.
 */
import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { issueToken } from '../../auth/tokens.js';
import { ApiToken, Person } from '../../entities/index.js';
import { Role } from '../../entities/enums.js';
import { recordEvent } from '../../tickets/record-event.js';
import type { GraphQLContext } from '../context.js';
import { ApiTokenObject, ApiTokenPayload, CreateApiTokenInput, presentApiToken } from '../types/api-token.type.js';

const LABEL_MAX = 100;

@Authorized(Role.ADMIN)
@Resolver(() => ApiTokenObject)
export class ApiTokenResolver {
  @Query(() => [ApiTokenObject], { description: 'Tokens (never their secrets), newest first; optionally of one person' })
  async apiTokens(@Ctx() { em }: GraphQLContext, @Arg('email', () => String, { nullable: true }) email?: string | null): Promise<ApiTokenObject[]> {
    const where = email ? { person: { email: email.trim().toLowerCase() } } : {};
    const tokens = await em.find(ApiToken, where, { populate: ['person'], orderBy: { createdAt: 'desc', id: 'desc' } });
    return tokens.map(presentApiToken);
  }

  @Mutation(() => ApiTokenPayload, { description: 'A token for an active agent, with their role; the secret is shown once' })
  async createApiToken(@Arg('input', () => CreateApiTokenInput) input: CreateApiTokenInput, @Ctx() { em, principal }: GraphQLContext): Promise<ApiTokenPayload> {
    const label = input.label?.trim() || null;
    if (label && (label.length > LABEL_MAX || /[\u0000-\u001f\u007f]/.test(label))) {
      return { token: null, secret: null, userErrors: [{ field: ['label'], message: `must be at most ${LABEL_MAX} characters without control characters` }] };
    }
    const email = input.email.trim().toLowerCase();
    const agent = await em.findOne(Person, { email, role: { $ne: null }, active: true });
    if (!agent?.role) return { token: null, secret: null, userErrors: [{ field: ['email'], message: `${input.email} is not an active agent (createAgent first)` }] };
    const issued = await em.transactional(async (tx) => {
      const result = await issueToken(tx, { email, role: agent.role!, label });
      recordEvent(tx, null, { kind: 'token-created', actor: tx.getReference(Person, principal.personId), to: result.token.prefix, detail: { owner: email, role: agent.role } });
      await tx.flush();
      return result;
    });
    const token = await em.findOneOrFail(ApiToken, issued.token.id, { populate: ['person'] });
    return { token: presentApiToken(token), secret: issued.secret, userErrors: [] };
  }

  @Mutation(() => ApiTokenPayload, { description: 'The token stops working at once' })
  async revokeApiToken(@Arg('id', () => ID) id: string, @Ctx() { em, principal }: GraphQLContext): Promise<ApiTokenPayload> {
    const tokenId = Number(id);
    const token = Number.isInteger(tokenId) ? await em.findOne(ApiToken, tokenId, { populate: ['person'] }) : null;
    if (!token) return { token: null, secret: null, userErrors: [{ field: ['id'], message: `no token ${id}` }] };
    if (!token.revokedAt) {
      await em.transactional(async (tx) => {
        await tx.nativeUpdate(ApiToken, { id: token.id }, { revokedAt: new Date() });
        recordEvent(tx, null, { kind: 'token-revoked', actor: tx.getReference(Person, principal.personId), from: token.prefix, detail: { owner: token.person.email } });
        await tx.flush();
      });
      await em.refresh(token);
    }
    return { token: presentApiToken(token), secret: null, userErrors: [] };
  }
}
