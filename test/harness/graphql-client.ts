/** Sends GraphQL over real HTTP, the way a client would. */
export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; [key: string]: unknown }; path?: string[] }[];
}

export async function gql<T = Record<string, unknown>>(
  baseUrl: string,
  token: string | null,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLResponse<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${baseUrl}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as Omit<GraphQLResponse<T>, 'status'>;
  return { status: response.status, ...body };
}

/** gql() for a call that must succeed: its data, or an error (failing the test) naming the GraphQL errors. */
export async function gqlData<T = Record<string, unknown>>(baseUrl: string, token: string | null, query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await gql<T>(baseUrl, token, query, variables);
  if (response.errors?.length || !response.data) throw new Error(`GraphQL call failed (HTTP ${response.status}): ${JSON.stringify(response.errors)}`);
  return response.data;
}

/** gql() for a call that must be refused: its first error's code, message and input path (failing the test when it succeeded). */
export async function gqlError(
  baseUrl: string,
  token: string | null,
  query: string,
  variables?: Record<string, unknown>,
): Promise<{ code: string; message: string; field: unknown }> {
  const response = await gql(baseUrl, token, query, variables);
  const error = response.errors?.[0];
  if (!error) throw new Error(`GraphQL call succeeded but should have been refused: ${JSON.stringify(response.data)}`);
  return { code: error.extensions?.code as string, message: error.message, field: error.extensions?.field };
}
