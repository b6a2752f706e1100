/**
 * Calls made from the schema itself, for the tests that walk every root field (authorisation,
 * input hygiene): a well-typed sample for any input type, and an operation calling one field with
 * its arguments as variables. What a sample means is irrelevant; it only has to pass GraphQL's own
 * coercion, so the request reaches the gateway's checks.
 */
import {
  getNamedType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';

export type Root = 'Query' | 'Mutation';

export interface RootField {
  /** `Query.x` / `Mutation.x` */
  readonly name: string;
  readonly root: Root;
  readonly field: GraphQLField<unknown, unknown>;
}

export function rootFields(schema: GraphQLSchema): RootField[] {
  return (['Query', 'Mutation'] as const).flatMap((root) => {
    const type = root === 'Query' ? schema.getQueryType() : schema.getMutationType();
    return Object.values(type!.getFields()).map((field) => ({ name: `${root}.${field.name}`, root, field }));
  });
}

const isRequired = (item: { type: GraphQLInputType; defaultValue?: unknown }) => isNonNullType(item.type) && item.defaultValue === undefined;

/** A value of the given input type that passes GraphQL's own coercion (required fields only). */
export function sample(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sample(type.ofType);
  if (isListType(type)) return [sample(type.ofType)];
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) if (isRequired(field)) value[field.name] = sample(field.type);
    return value;
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'Int':
      case 'Float':
        return 1;
      case 'Boolean':
        return true;
      case 'ID':
        return '1';
      case 'DateTime':
        return '2026-01-01T00:00:00Z';
      case 'JSON':
        return {};
      default:
        // An address is a valid String too, and fits scalars that want one.
        return 'probe@example.com';
    }
  }
  throw new Error(`no sample for ${String(type)}`);
}

/**
 * `mutation Probe($a: Int!, …) { field(a: $a, …) { __typename } }` with its variables: the required
 * arguments sampled, then `given` on top (an optional argument named there is passed too).
 */
export function probe(root: Root, field: GraphQLField<unknown, unknown>, given: Record<string, unknown> = {}): { query: string; variables: Record<string, unknown> } {
  const args = field.args.filter((a: GraphQLArgument) => isRequired(a) || a.name in given);
  const variables = Object.fromEntries(args.map((a) => [a.name, a.name in given ? given[a.name] : sample(a.type)]));
  const declared = args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const passed = args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const selection = isCompositeType(getNamedType(field.type)) ? ' { __typename }' : '';
  const operation = root === 'Query' ? 'query' : 'mutation';
  return {
    query: `${operation} Probe${declared ? `(${declared})` : ''} { ${field.name}${passed ? `(${passed})` : ''}${selection} }`,
    variables,
  };
}
