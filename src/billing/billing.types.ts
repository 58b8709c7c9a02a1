import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { UserError } from '../common/user-error.type';
import type { Plan as PlanConfig } from './plans';

@ObjectType({ description: 'What a plan allows. Null means unlimited.' })
export class PlanLimitsType {
  @Field(() => Int, { description: 'Runs PROVISIONING or RUNNING at once; more wait in the queue.' }) maxConcurrentRuns!: number;
  @Field(() => Float, { nullable: true, description: 'GPU-hours per billing period; past it, queued runs wait for the next period.' }) gpuHoursPerPeriod!: number | null;
  @Field(() => Float, { description: 'Dataset storage, bytes.' }) datasetBytes!: number;
  @Field(() => Int) inferenceRequestsPerMinute!: number;
}

@ObjectType('Plan')
export class PlanType {
  @Field() name!: string;
  @Field() title!: string;
  @Field({ description: 'Whether createCheckoutSession sells it.' }) purchasable!: boolean;
  @Field(() => Int, { description: 'Flat monthly fee in cents (usage is billed on top).' }) monthlyAmount!: number;
  @Field(() => PlanLimitsType) limits!: PlanLimitsType;
}

export const presentPlan = (p: PlanConfig): PlanType => ({
  name: p.name,
  title: p.title,
  purchasable: p.purchasable,
  monthlyAmount: p.monthlyAmount,
  limits: { maxConcurrentRuns: p.maxConcurrentRuns, gpuHoursPerPeriod: p.gpuHoursPerPeriod, datasetBytes: p.datasetBytes, inferenceRequestsPerMinute: p.inferenceRequestsPerMinute },
});

@ObjectType({ description: 'The tenant\'s plan, subscription and this period\'s training time.' })
export class BillingAccount {
  @Field(() => PlanType, { description: 'The plan in force (free while no subscription is in good standing).' }) plan!: PlanType;
  @Field(() => String, { nullable: true, description: 'Stripe subscription status: active, trialing, past_due, unpaid, canceled…; null without a subscription.' }) subscriptionStatus!: string | null;
  @Field(() => Date, { nullable: true }) pastDueSince!: Date | null;
  @Field(() => String, { nullable: true, description: 'Why new runs are refused with PAYMENT_REQUIRED, when they are.' }) paymentRequired!: string | null;
  @Field() periodStart!: Date;
  @Field() periodEnd!: Date;
  @Field(() => Float, { description: 'GPU-hours used in the current period (ledger plus what running attempts counted since their last slice).' }) gpuHoursThisPeriod!: number;
  @Field({ description: 'False in ledger-only mode (no Stripe key): usage is recorded, nothing is charged.' }) stripeConnected!: boolean;
  @Field({ description: 'Whether the tenant has a Stripe customer yet (created on first use).' }) hasStripeCustomer!: boolean;
}

@ObjectType()
export class UsageTotalsType {
  @Field(() => Float) gpuSeconds!: number;
  @Field(() => Float, { description: 'gpuSeconds / 3600.' }) trainingHours!: number;
  @Field(() => Float) inferenceRequests!: number;
}

export const totals = (t: { gpuSeconds: number; inferenceRequests: number }): UsageTotalsType => ({ gpuSeconds: t.gpuSeconds, trainingHours: t.gpuSeconds / 3600, inferenceRequests: t.inferenceRequests });

@ObjectType()
export class RunUsage {
  rowId!: string;
  @Field(() => ID, { description: 'The TrainingRun\'s id.' }) runId!: string;
  @Field(() => Float) gpuSeconds!: number;
  @Field(() => Float) trainingHours!: number;
}

@ObjectType()
export class DayUsage {
  @Field({ description: 'UTC day, YYYY-MM-DD.' }) day!: string;
  @Field(() => Float) gpuSeconds!: number;
  @Field(() => Float) trainingHours!: number;
  @Field(() => Float) inferenceRequests!: number;
  @Field(() => Float, { description: 'Tokens OpenAI trained on for the tenant\'s OpenAI fine-tuning runs.' }) openaiTrainedTokens!: number;
  @Field(() => Float, { description: 'Tokens of chat calls to OpenAI: baselines, evaluations of fine-tuned models, inference on OpenAI-hosted versions.' }) openaiInferenceTokens!: number;
}

@ObjectType({ description: 'Usage from the ledger in [from, to), and what of it reached Stripe.' })
export class UsageSummary {
  @Field() from!: Date;
  @Field() to!: Date;
  @Field(() => Float) gpuSeconds!: number;
  @Field(() => Float) trainingHours!: number;
  @Field(() => Float) inferenceRequests!: number;
  @Field(() => Float, { description: 'Tokens OpenAI trained on for the tenant\'s OpenAI fine-tuning runs (ledger only: OpenAI bills the key\'s owner).' }) openaiTrainedTokens!: number;
  @Field(() => Float, { description: 'Tokens of chat calls to OpenAI: baselines, evaluations of fine-tuned models, inference on OpenAI-hosted versions (ledger only).' }) openaiInferenceTokens!: number;
  @Field(() => UsageTotalsType, { description: 'The part already accepted by Stripe.' }) reported!: UsageTotalsType;
  @Field(() => Int, { description: 'Ledger rows that could not be reported and wait for an operator.' }) flaggedRecords!: number;
  @Field(() => [RunUsage]) byRun!: RunUsage[];
  @Field(() => [DayUsage]) byDay!: DayUsage[];
  @Field(() => UsageTotalsType, { nullable: true, description: 'Stripe\'s meter event summaries for the same range (null in ledger-only mode or before the first report). Stripe aggregates asynchronously, so it may lag.' })
  stripe!: UsageTotalsType | null;
}

@ObjectType()
export class InvoiceLine {
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => Float, { nullable: true, description: 'Units on the invoice (training: hours, rounded up).' }) quantity!: number | null;
  @Field(() => Int, { description: 'Cents.' }) amount!: number;
  @Field(() => String, { nullable: true }) priceId!: string | null;
  @Field(() => String, { nullable: true, description: 'e.g. tuneforge_training_gpu_hours.' }) lookupKey!: string | null;
}

@ObjectType({ description: 'The next invoice of the subscription as it stands now (Stripe invoices.createPreview).' })
export class InvoicePreview {
  @Field() currency!: string;
  @Field(() => Int) subtotal!: number;
  @Field(() => Int) total!: number;
  @Field(() => Int) amountDue!: number;
  @Field() periodStart!: Date;
  @Field() periodEnd!: Date;
  @Field(() => [InvoiceLine]) lines!: InvoiceLine[];
}

@ObjectType()
export class CheckoutSessionPayload {
  @Field(() => String, { nullable: true, description: 'Send the user here (Stripe Checkout).' }) url!: string | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

@ObjectType()
export class BillingPortalSessionPayload {
  @Field(() => String, { nullable: true, description: 'Send the user here (Stripe billing portal).' }) url!: string | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}
