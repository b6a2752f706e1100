/**
 * The cost estimator and structural limits on a schema shaped like CONTRACT.md's GraphQL section
 * (built from SDL here, so these checks do not depend on the resolvers). The HTTP behaviour is
 * tested in test/integration/api/limits.test.ts.
 */
import { buildSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { LIMITS, estimateCost } from '../../src/graphql/limits.js';

const schema = buildSchema(`
  scalar DateTime
  type Query {
    ticket(number: Int!): Ticket
    tickets(filter: TicketFilter, first: Int, after: String): TicketConnection!
    queues: [Queue!]!
  }
  input TicketFilter { search: String queue: String }
  type TicketConnection { edges: [TicketEdge!]! pageInfo: PageInfo! totalCount: Int! }
  type TicketEdge { cursor: String! node: Ticket! }
  type PageInfo { hasNextPage: Boolean! endCursor: String }
  type Ticket { id: ID! number: Int! subject: String! queue: Queue requester: Person! assignee: Person
    ccs: [Person!]! watchers: [Person!]! messages: [Message!]! updatedAt: DateTime! }
  type Message { id: ID! from: Person bodyText: String! createdAt: DateTime! attachments: [Attachment!]! }
  type Attachment { id: ID! filename: String! contentType: String! size: Int! sha256: String! url: String! }
  type Person { email: String! name: String }
  type Queue { id: ID! name: String! agents: [Person!]! watchers: [Person!]! }
`);

const cost = (query: string, variables: Record<string, unknown> = {}) =>
  estimateCost(schema, parse(query), undefined, variables);

const NORMAL_PAGE = `{ tickets(first: 50) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node { number subject updatedAt queue { name } requester { email name } assignee { email name }
    messages { bodyText createdAt } } } } }`;

describe('query cost', () => {
  it('refuses the nested-list abuse from the issue: 100 tickets × messages × attachments', () => {
    expect(cost(`{ tickets(first: 100) { edges { node { messages { attachments { id } } } } } }`)).toBeGreaterThan(LIMITS.maxCost);
  });

  it('counts a page size passed as a variable like a literal one', () => {
    const query = `query($n: Int) { tickets(first: $n) { edges { node { messages { attachments { id } } } } } }`;
    expect(cost(query, { n: 100 })).toBe(cost(`{ tickets(first: 100) { edges { node { messages { attachments { id } } } } } }`));
    expect(cost(query, { n: 100 })).toBeGreaterThan(LIMITS.maxCost);
    expect(cost(query, { n: 5 })).toBeLessThan(LIMITS.maxCost);
  });

  it('assumes the maximum page when first is not given', () => {
    expect(cost(`{ tickets { edges { node { id } } } }`)).toBe(cost(`{ tickets(first: ${LIMITS.defaultPageSize}) { edges { node { id } } } }`));
  });

  it('lets a page of 50 tickets with queue, requester, assignee and messages through, well under the limit', () => {
    expect(cost(NORMAL_PAGE)).toBeLessThan(LIMITS.maxCost / 3);
  });

  it('scales with the page size', () => {
    const page = (n: number) => cost(`{ tickets(first: ${n}) { edges { node { subject requester { email } } } } }`);
    expect(page(100)).toBeGreaterThan(page(50) * 1.9);
  });

  it('lets one ticket with its messages, senders and attachment metadata through', () => {
    const query = `{ ticket(number: 1) { subject messages { id bodyText createdAt from { email name }
      attachments { id filename contentType size sha256 url } } } }`;
    expect(cost(query)).toBeLessThan(LIMITS.maxCost / 5);
  });

  it('charges nothing for introspection, so an IDE can load the schema', () => {
    expect(cost(`{ __schema { types { name fields { name args { name type { name ofType { name } } } } } } }`)).toBe(0);
  });

  describe('remembered per parsed document (one DocumentNode, as Apollo reuses it)', () => {
    const NESTED = `query($n: Int, $after: String) { tickets(first: $n, after: $after) { edges { node { messages { attachments { id } } } } } }`;
    const once = (query: string) => {
      const document = parse(query);
      return (variables: Record<string, unknown>) => estimateCost(schema, document, undefined, variables);
    };

    it('estimates each page size afresh, whatever was asked before', () => {
      const nested = once(NESTED);
      const small = nested({ n: 5 });
      expect(small).toBeLessThan(LIMITS.maxCost);
      expect(nested({ n: 100 })).toBeGreaterThan(LIMITS.maxCost);
      expect(nested({ n: 100 })).toBe(cost(NESTED, { n: 100 }));
      expect(nested({ n: 5 })).toBe(small);
    });

    it('gives the same cost for variables the estimate does not read (the cursor)', () => {
      const nested = once(NESTED);
      expect(nested({ n: 5, after: 'b' })).toBe(nested({ n: 5, after: 'a' }));
      expect(nested({ n: 5, after: 'b' })).toBe(cost(NESTED, { n: 5 }));
    });

    it('never remembers the answer for variables that do not fit their types', () => {
      const nested = once(NESTED);
      expect(nested({ n: 100, after: 5 })).toBe(0); // Apollo refuses the variable next
      expect(nested({ n: 100, after: 'a' })).toBeGreaterThan(LIMITS.maxCost);
    });

    it('tells an omitted variable (its default applies) from an explicit null', () => {
      const withDefault = once(`query($n: Int = 5) { tickets(first: $n) { edges { node { messages { id } } } } }`);
      expect(withDefault({})).toBeLessThan(withDefault({ n: null }));
      expect(withDefault({ n: null })).toBe(cost(`{ tickets { edges { node { messages { id } } } } }`));
    });

    it('reads the variables of @include and @skip', () => {
      const included = once(`query($all: Boolean!) { tickets(first: 50) { edges { node { id messages @include(if: $all) { attachments { id } } } } } }`);
      expect(included({ all: true })).toBeGreaterThan(included({ all: false }));
      expect(included({ all: false })).toBe(cost(`{ tickets(first: 50) { edges { node { id } } } }`));
    });
  });
});
