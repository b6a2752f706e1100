/** GraphQL calls a bench makes to set up or check, outside what it measures. */
import type { Gateway } from './gateway.js';

export interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** The problem with a GraphQL response, or null when it has data and no errors. */
export function graphQLProblem(status: number, body: unknown): string | null {
  const b = body as GraphQLBody;
  if (status !== 200) return `HTTP ${status}: ${b.errors?.[0]?.message ?? ''}`;
  if (b.errors?.length) return `${b.errors[0]!.extensions?.code ?? ''} ${b.errors[0]!.message}`;
  if (!b.data) return 'no data';
  return null;
}

export async function gql(gateway: Gateway, token: string, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLBody> {
  const response = await fetch(`${gateway.baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphQLBody;
  const problem = graphQLProblem(response.status, body);
  if (problem) throw new Error(`${problem} (in ${query.replace(/\s+/g, ' ').slice(0, 80)}…)`);
  return body;
}
