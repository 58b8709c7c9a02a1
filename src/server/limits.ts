import { DocumentNode, FragmentDefinitionNode, getNamedType, GraphQLError, GraphQLSchema, isCompositeType, Kind, OperationDefinitionNode, SelectionSetNode } from 'graphql';
import { ComplexityEstimator, getComplexity } from 'graphql-query-complexity';
import { AppError } from '../common/errors';

/**
 * Depth of an operation: the deepest chain of nested selections, following fragments. Written
 * here rather than taken from graphql-depth-limit (unmaintained since 2018): it is a dozen lines,
 * and it runs in our request plugin so the error keeps our MAX_DEPTH_EXCEEDED code (Apollo
 * rewrites every validation-rule error to GRAPHQL_VALIDATION_FAILED).
 */
export function queryDepth(operation: OperationDefinitionNode, document: DocumentNode, stopAbove = Infinity): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const depthOf = (set: SelectionSetNode | undefined, seen: ReadonlySet<string>): number => {
    if (!set) return 0;
    let max = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) max = Math.max(max, sel.selectionSet ? 1 + depthOf(sel.selectionSet, seen) : 0);
      else if (sel.kind === Kind.INLINE_FRAGMENT) max = Math.max(max, depthOf(sel.selectionSet, seen));
      else if (!seen.has(sel.name.value)) max = Math.max(max, depthOf(fragments.get(sel.name.value)?.selectionSet, new Set([...seen, sel.name.value])));
      if (max > stopAbove) return max; // deep enough to reject; stop walking
    }
    return max;
  };
  return depthOf(operation.selectionSet, new Set());
}

export function tooDeep(depth: number, maxDepth: number): AppError {
  return new AppError('MAX_DEPTH_EXCEEDED', `query depth ${depth} exceeds the maximum of ${maxDepth}`, { extensions: { depth, maxDepth } });
}

/**
 * Shopify's cost model: an object field costs 1, a scalar 0, and a connection costs
 * `first` × its selection (plus 2 for the connection itself).
 */
const shopifyEstimator: ComplexityEstimator = ({ field, args, childComplexity }) => {
  const named = getNamedType(field.type);
  if (!isCompositeType(named)) return 0;
  if (named.name.endsWith('Connection') && typeof args.first === 'number') return 2 + Math.max(1, args.first) * childComplexity;
  return 1 + childComplexity;
};

/** Requested cost of an operation, computed before it runs. */
export function queryCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | undefined, operationName: string | undefined): number {
  try {
    return getComplexity({ schema, query: document, variables: variables ?? {}, operationName, estimators: [shopifyEstimator] });
  } catch (err) {
    // Variables that do not coerce to their declared types: the caller's mistake, said precisely.
    if (err instanceof GraphQLError) throw new AppError('BAD_USER_INPUT', err.message);
    throw err;
  }
}

export function costTooHigh(cost: number, maxCost: number): AppError {
  return new AppError('MAX_COST_EXCEEDED', `query cost ${cost} exceeds the maximum of ${maxCost}: ask for smaller pages (first) or fewer fields`, {
    extensions: { cost: { requestedQueryCost: cost, maxCost } },
  });
}
