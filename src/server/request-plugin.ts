import { ApolloServerPlugin, GraphQLRequestContextWillSendResponse } from '@apollo/server';
import { DocumentNode, GraphQLSchema, Kind, OperationDefinitionNode, SelectionSetNode } from 'graphql';
import { AppError, REQUEST_STATUS } from '../common/errors';
import { Context } from './context';
import { costTooHigh, queryCost, queryDepth, tooDeep } from './limits';
import { ApiMetrics } from './observability';
import { BucketKind, BucketTake, ThrottleStatus } from './rate-limit';

interface CostExtension {
  requestedQueryCost: number;
  actualQueryCost: number | null;
  throttleStatus: ThrottleStatus | null;
}

/**
 * The request lifecycle around execution: cost check and rate limit before anything runs, the
 * tenant transaction's commit or rollback after, then `extensions.cost`, the request id on errors,
 * logs and metrics.
 */
export function requestPlugin(schema: GraphQLSchema, metrics: ApiMetrics, limits: { maxCost: number; maxDepth: number }): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      let operation = 'unknown';
      const cost: CostExtension = { requestedQueryCost: 0, actualQueryCost: null, throttleStatus: null };
      /** Depth, cost, rate limit and membership: everything that must pass before a resolver runs. */
      const admit = async (ctx: Context, document: DocumentNode, variables: Record<string, unknown> | undefined, operationName: string | undefined, op: OperationDefinitionNode | undefined) => {
        operation = operationName ?? 'anonymous';
        const depth = op ? queryDepth(op, document, limits.maxDepth) : 0;
        if (depth > limits.maxDepth) throw tooDeep(depth, limits.maxDepth);
        cost.requestedQueryCost = queryCost(schema, document, variables, operationName);
        if (cost.requestedQueryCost > limits.maxCost) throw costTooHigh(cost.requestedQueryCost, limits.maxCost);
        const p = ctx.principal;
        const key = p ? `tenant:${p.tenantId}` : `anon:${ctx.clientKey}`;
        const member = p?.membershipUnchecked && p.userId ? { userId: p.userId, tenantId: p.tenantId } : null;
        // Model invocations also take from the caller's inference bucket: in the same statement.
        const invocations = p && op ? countBucketFields(schema, document, op.selectionSet, 'inference') : 0;
        const takes: BucketTake[] = [{ kind: 'query', key, cost: Math.max(1, cost.requestedQueryCost) }];
        if (p && invocations) takes.push(...(await ctx.services.inference.admissionTakes(p, invocations)));
        // A request that will read its tenant's data begins its transaction right after the take.
        // A model invocation does not: its warm path needs no transaction at all.
        const { admissions, role } = await ctx.services.rateLimiter.takeAll(takes, member, invocations ? null : ctx.tx);
        const admission = admissions[0];
        if (p) ctx.principal = ctx.services.auth.confirmMembership(p, role);
        if (invocations) ctx.admissions.inference = admissions.slice(1);
        cost.throttleStatus = admission.status;
        if (!admission.allowed) {
          throw new AppError('THROTTLED', `rate limit exceeded: retry in ${admission.retryAfterMs} ms`, {
            extensions: { retryAfterMs: admission.retryAfterMs, cost },
          });
        }
        cost.actualQueryCost = cost.requestedQueryCost;
      };
      return {
        async didResolveOperation(rc) {
          try {
            await admit(rc.contextValue, rc.document, rc.request.variables, rc.operationName ?? undefined, rc.operation);
          } catch (err) {
            // Refused before execution: say so in the HTTP status too (Apollo would answer 500).
            if (err instanceof AppError) (err.extensions as Record<string, unknown>).http = { status: REQUEST_STATUS[err.code] ?? 400 };
            throw err;
          }
        },
        async didEncounterErrors({ contextValue: ctx, errors }) {
          for (const err of errors) {
            const original = err.originalError;
            if (original && !(original instanceof AppError) && err.extensions?.code === undefined) {
              ctx.log.error({ err: original, operation }, 'unexpected error');
            }
          }
        },
        async willSendResponse(rc: GraphQLRequestContextWillSendResponse<Context>) {
          const ctx = rc.contextValue;
          const body = rc.response.body;
          if (body.kind !== 'single') return;
          const result = body.singleResult;
          try {
            await ctx.tx?.finish(!result.errors?.length);
          } catch (err) {
            ctx.log.error({ err, operation }, 'commit failed');
            result.data = null;
            result.errors = [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }];
          }
          if (result.errors) result.errors = result.errors.map((e) => ({ ...e, extensions: { ...e.extensions, requestId: ctx.requestId } }));
          result.extensions = { ...result.extensions, ...ctx.extensions, cost, requestId: ctx.requestId };
          rc.response.http.headers.set('x-request-id', ctx.requestId);
          const outcome = result.errors?.length ? String(result.errors[0].extensions?.code ?? 'ERROR') : 'OK';
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          metrics.requests.inc({ operation, outcome });
          metrics.duration.observe({ operation }, seconds);
          ctx.log.info({ operation, outcome, ms: Math.round(seconds * 1000), cost: cost.requestedQueryCost }, 'graphql');
        },
      };
    },
  };
}

/**
 * How many root fields of the operation draw on `bucket` (declared on the field with
 * `@Extensions({ rateLimitBucket })`), following fragments on the root type.
 */
export function countBucketFields(schema: GraphQLSchema, document: DocumentNode, selectionSet: SelectionSetNode, bucket: BucketKind): number {
  const fields = schema.getQueryType()?.getFields() ?? {};
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (fields[selection.name.value]?.extensions?.rateLimitBucket === bucket) count++;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      count += countBucketFields(schema, document, selection.selectionSet, bucket);
    } else {
      const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value);
      if (fragment?.kind === Kind.FRAGMENT_DEFINITION) count += countBucketFields(schema, document, fragment.selectionSet, bucket);
    }
  }
  return count;
}
