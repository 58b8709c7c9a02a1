import {
  ASTVisitor,
  DocumentNode,
  FragmentDefinitionNode,
  getNamedType,
  GraphQLError,
  GraphQLSchema,
  isCompositeType,
  Kind,
  SelectionSetNode,
  ValidationContext,
} from 'graphql';
import { ComplexityEstimator, getComplexity } from 'graphql-query-complexity';
import { AppError } from '../common/errors';

/**
 * Query depth: the deepest chain of nested selections, following fragments. Written here rather
 * than taken from graphql-depth-limit (unmaintained since 2018) because it is a dozen lines and
 * must raise our MAX_DEPTH_EXCEEDED code.
 */
export function depthLimitRule(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);

    const depthOf = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
      if (!set) return 0;
      let max = 0;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) max = Math.max(max, sel.selectionSet ? 1 + depthOf(sel.selectionSet, seen) : 0);
        else if (sel.kind === Kind.INLINE_FRAGMENT) max = Math.max(max, depthOf(sel.selectionSet, seen));
        else if (!seen.has(sel.name.value)) {
          const frag = fragments.get(sel.name.value);
          max = Math.max(max, depthOf(frag?.selectionSet, new Set([...seen, sel.name.value])));
        }
        if (max > maxDepth) return max; // deep enough to reject; stop walking
      }
      return max;
    };

    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, new Set());
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`query depth ${depth} exceeds the maximum of ${maxDepth}`, {
              nodes: [node],
              extensions: { code: 'MAX_DEPTH_EXCEEDED', depth, maxDepth },
            }),
          );
        }
      },
    };
  };
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
  return getComplexity({ schema, query: document, variables: variables ?? {}, operationName, estimators: [shopifyEstimator] });
}

export function costTooHigh(cost: number, maxCost: number): AppError {
  return new AppError('MAX_COST_EXCEEDED', `query cost ${cost} exceeds the maximum of ${maxCost}: ask for smaller pages (first) or fewer fields`, {
    extensions: { cost: { requestedQueryCost: cost, maxCost } },
  });
}
