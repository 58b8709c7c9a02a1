import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root, Authorized } from 'type-graphql';
import { toPayload } from '../common/errors';
import { toGlobalId } from '../common/global-id';
import { Context, principalOf, tenantManager } from '../server/context';
import { TrainingRun } from '../training/training-run.entity';
import { presentRun, TrainingRunNode } from '../training/training-run.types';
import {
  BillingAccount,
  BillingPortalSessionPayload,
  CheckoutSessionPayload,
  InvoicePreview,
  PlanType,
  presentPlan,
  RunUsage,
  totals,
  UsageSummary,
} from './billing.types';

@Resolver(() => RunUsage)
export class BillingResolver {
  @Authorized('billing:read')
  @Query(() => BillingAccount, { description: 'The tenant\'s plan, subscription status and this period\'s GPU-hours.' })
  async billing(@Ctx() ctx: Context): Promise<BillingAccount> {
    const a = await ctx.services.billing.account.account(await tenantManager(ctx), principalOf(ctx).tenantId);
    return {
      plan: presentPlan(a.plan),
      subscriptionStatus: a.state.subscriptionStatus,
      pastDueSince: a.state.pastDueSince,
      paymentRequired: a.paymentRequired,
      periodStart: a.period.start,
      periodEnd: a.period.end,
      gpuHoursThisPeriod: a.gpuSecondsThisPeriod / 3600,
      stripeConnected: a.stripeConnected,
      hasStripeCustomer: Boolean(a.state.stripeCustomerId),
    };
  }

  @Authorized('billing:read')
  @Query(() => [PlanType], { description: 'Every plan and its limits.' })
  plans(@Ctx() ctx: Context): PlanType[] {
    return Object.values(ctx.services.billing.plans.plans).map(presentPlan);
  }

  @Authorized('billing:read')
  @Query(() => UsageSummary, { description: 'GPU-seconds, training hours and inference requests in [from, to) (default: this month), by run and by day, from the usage ledger; Stripe\'s meter totals beside them when connected.' })
  async usage(@Arg('from', () => Date, { nullable: true }) from: Date | null, @Arg('to', () => Date, { nullable: true }) to: Date | null, @Ctx() ctx: Context): Promise<UsageSummary> {
    const u = await ctx.services.billing.usage.usage(await tenantManager(ctx), principalOf(ctx).tenantId, from, to);
    return {
      from: u.from,
      to: u.to,
      ...totals(u.totals),
      ...u.openai,
      reported: totals(u.reported),
      flaggedRecords: u.flaggedRows,
      byRun: u.byRun.map((r) => ({ rowId: r.runId, runId: toGlobalId('TrainingRun', r.runId), gpuSeconds: r.gpuSeconds, trainingHours: r.gpuSeconds / 3600 })),
      byDay: u.byDay.map((d) => ({ day: d.day, ...totals(d), openaiTrainedTokens: d.openaiTrainedTokens, openaiInferenceTokens: d.openaiInferenceTokens })),
      stripe: u.stripe ? totals(u.stripe) : null,
    };
  }

  @FieldResolver(() => TrainingRunNode, { nullable: true })
  async run(@Root() usage: RunUsage, @Ctx() ctx: Context): Promise<TrainingRunNode | null> {
    const run = await (await tenantManager(ctx)).findOneBy(TrainingRun, { id: usage.rowId });
    return run ? presentRun(run) : null;
  }

  @Authorized('billing:read')
  @Query(() => InvoicePreview, { nullable: true, description: 'The next invoice as it stands now; null without a subscription or in ledger-only mode.' })
  async invoicePreview(@Ctx() ctx: Context): Promise<InvoicePreview | null> {
    return ctx.services.billing.account.invoicePreview(await tenantManager(ctx), principalOf(ctx).tenantId);
  }

  @Authorized('billing:write')
  @Mutation(() => CheckoutSessionPayload, { description: 'A Stripe Checkout URL to subscribe to `plan` (see plans).' })
  async createCheckoutSession(
    @Arg('plan') plan: string,
    @Arg('successUrl', () => String, { nullable: true }) successUrl: string | null,
    @Arg('cancelUrl', () => String, { nullable: true }) cancelUrl: string | null,
    @Ctx() ctx: Context,
  ): Promise<CheckoutSessionPayload> {
    const m = await tenantManager(ctx);
    return toPayload(async () => ({ url: await ctx.services.billing.account.createCheckoutSession(m, principalOf(ctx).tenantId, plan, { successUrl, cancelUrl, publicUrl: ctx.publicUrl }) }), { url: null });
  }

  @Authorized('billing:write')
  @Mutation(() => BillingPortalSessionPayload, { description: 'A Stripe billing portal URL: payment methods, invoices, plan changes, cancellation.' })
  async createBillingPortalSession(@Arg('returnUrl') returnUrl: string, @Ctx() ctx: Context): Promise<BillingPortalSessionPayload> {
    const { tenantId } = principalOf(ctx);
    return toPayload(async () => ({ url: await ctx.services.billing.account.createBillingPortalSession(tenantId, returnUrl, ctx.publicUrl) }), { url: null });
  }
}
