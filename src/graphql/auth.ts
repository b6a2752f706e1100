/**
 * The one authorisation check for GraphQL. Every resolver class carries `@Authorized(...)`, so a
 * new method cannot be forgotten; the schema walk test checks that nothing is left unguarded.
 *
 * Rule: ADMIN may do everything; an operation open to agents lists Role.AGENT.
 */
import type { AuthChecker } from 'type-graphql';
import { Role } from '../entities/enums.js';
import { forbidden } from '../errors.js';
import type { GraphQLContext } from './context.js';

export const authChecker: AuthChecker<GraphQLContext, Role> = ({ context }, roles) => {
  const role = context.principal.role;
  if (role === Role.ADMIN) return true;
  if (roles.includes(role)) return true;
  throw forbidden();
};
