import { Arg, Authorized, Ctx, Extensions, Int, Query, Resolver } from 'type-graphql';
import { presentVersion } from '../models/model.types';
import { ModelRefInput } from '../models/model.types';
import { Context, principalOf, requestTransaction } from '../server/context';
import { Caller, Invocation } from './inference.service';
import { ClassificationResult, RecommendationResult, SummarizationResult, TranslationResult } from './inference.types';

/** Reports the caller's inference bucket in `extensions.inference`, beside the query-cost one. */
function report(ctx: Context, invocation: Invocation) {
  ctx.extensions.inference = invocation.throttle;
  return presentVersion(invocation.resolved.version);
}

/** The invoking request: its transaction, principal, and the inference admission the request plugin took. */
function callerOf(ctx: Context): Caller {
  return { tx: requestTransaction(ctx), principal: principalOf(ctx), admissions: ctx.admissions.inference };
}

/** Marks a query field as drawing one request from the caller's inference bucket (see the request plugin). */
const InferenceBucket = () => Extensions({ rateLimitBucket: 'inference' });

@Resolver()
export class InferenceResolver {
  @Authorized('models:invoke')
  @InferenceBucket()
  @Query(() => RecommendationResult, { description: 'Top items for a user. Items the user rated in training are left out unless excludeSeen is false; an unknown user gets popular items (coldStart).' })
  async recommend(
    @Arg('model', () => ModelRefInput) model: ModelRefInput,
    @Arg('userId') userId: string,
    @Arg('limit', () => Int, { defaultValue: 10 }) limit: number,
    @Arg('excludeSeen', { defaultValue: true }) excludeSeen: boolean,
    @Arg('candidates', () => [String], { nullable: true, description: 'Rank only these items.' }) candidates: string[] | null,
    @Ctx() ctx: Context,
  ): Promise<RecommendationResult> {
    const r = await ctx.services.inference.recommend(callerOf(ctx), model, { userId, limit, excludeSeen, candidates });
    return { modelVersion: report(ctx, r), items: r.items, coldStart: r.coldStart };
  }

  @Authorized('models:invoke')
  @InferenceBucket()
  @Query(() => TranslationResult, { description: 'Translates up to 64 texts; outputs in input order.' })
  async translate(
    @Arg('model', () => ModelRefInput) model: ModelRefInput,
    @Arg('texts', () => [String]) texts: string[],
    @Arg('beamSize', () => Int, { defaultValue: 1, description: '1 = greedy decoding.' }) beamSize: number,
    @Ctx() ctx: Context,
  ): Promise<TranslationResult> {
    const r = await ctx.services.inference.translate(callerOf(ctx), model, texts, beamSize);
    return { modelVersion: report(ctx, r), translations: r.outputs, truncated: r.truncated };
  }

  @Authorized('models:invoke')
  @InferenceBucket()
  @Query(() => SummarizationResult, { description: 'Summarizes up to 64 documents; outputs in input order.' })
  async summarize(
    @Arg('model', () => ModelRefInput) model: ModelRefInput,
    @Arg('texts', () => [String]) texts: string[],
    @Arg('maxSentences', () => Int, { nullable: true, description: 'Sentences per summary (default: the model\'s).' }) maxSentences: number | null,
    @Arg('maxTokens', () => Int, { nullable: true, description: 'Words per summary (default: the model\'s).' }) maxTokens: number | null,
    @Ctx() ctx: Context,
  ): Promise<SummarizationResult> {
    const r = await ctx.services.inference.summarize(callerOf(ctx), model, texts, { maxSentences, maxTokens });
    return { modelVersion: report(ctx, r), summaries: r.outputs, truncated: r.truncated };
  }

  @Authorized('models:invoke')
  @InferenceBucket()
  @Query(() => ClassificationResult, { description: 'Labels up to 64 texts with probabilities; outputs in input order.' })
  async classify(@Arg('model', () => ModelRefInput) model: ModelRefInput, @Arg('texts', () => [String]) texts: string[], @Ctx() ctx: Context): Promise<ClassificationResult> {
    const r = await ctx.services.inference.classify(callerOf(ctx), model, texts);
    return {
      modelVersion: report(ctx, r),
      predictions: r.outputs.map((p, i) => ({
        label: p.label,
        score: p.score,
        scores: Object.entries(p.scores).map(([label, score]) => ({ label, score })).sort((a, b) => b.score - a.score),
        truncated: r.truncated[i],
      })),
    };
  }
}
