import { z } from 'zod';

/** What a plan allows. `null` means unlimited. */
export interface PlanLimits {
  /** Runs PROVISIONING or RUNNING at once (further runs wait in the queue). */
  maxConcurrentRuns: number;
  /** GPU-hours per billing period; past it, queued runs are not admitted until the next period. */
  gpuHoursPerPeriod: number | null;
  /** Dataset storage, bytes. */
  datasetBytes: number;
  /** Inference requests per minute (all of a tenant's callers together; enforced by the inference service through `PlanService.inferenceLimit`). */
  inferenceRequestsPerMinute: number;
}

export interface Plan extends PlanLimits {
  name: string;
  /** Shown to users. */
  title: string;
  /** Whether `createCheckoutSession` sells it (free is what a tenant has without a subscription). */
  purchasable: boolean;
  /** Flat monthly fee in the smallest currency unit (used by `billing:setup` to create the base price). */
  monthlyAmount: number;
  /** Lookup key of the flat monthly price (null: no flat fee). */
  basePriceLookupKey: string | null;
}

export const FREE_PLAN = 'free';

const GIB = 1024 ** 3;

/** The built-in plans; BILLING_PLANS overrides any field of any plan, or adds plans. */
export const DEFAULT_PLANS: Record<string, Plan> = {
  free: {
    name: 'free', title: 'Free', purchasable: false, monthlyAmount: 0, basePriceLookupKey: null,
    maxConcurrentRuns: 2, gpuHoursPerPeriod: 5, datasetBytes: 10 * GIB, inferenceRequestsPerMinute: 60,
  },
  pro: {
    name: 'pro', title: 'Pro', purchasable: true, monthlyAmount: 4900, basePriceLookupKey: 'tuneforge_pro_monthly',
    maxConcurrentRuns: 4, gpuHoursPerPeriod: 200, datasetBytes: 50 * GIB, inferenceRequestsPerMinute: 1200,
  },
  enterprise: {
    name: 'enterprise', title: 'Enterprise', purchasable: true, monthlyAmount: 49900, basePriceLookupKey: 'tuneforge_enterprise_monthly',
    maxConcurrentRuns: 16, gpuHoursPerPeriod: null, datasetBytes: 1024 * GIB, inferenceRequestsPerMinute: 12_000,
  },
};

/** The metered prices every paid subscription carries, by lookup key. */
export const METERED_PRICES = {
  training: { lookupKey: 'tuneforge_training_gpu_hours', meter: 'training_gpu_seconds', divideBy: 3600, unitAmount: 250, title: 'Training (GPU-hours)' },
  inference: { lookupKey: 'tuneforge_inference_1k_requests', meter: 'inference_requests', divideBy: 1000, unitAmount: 10, title: 'Inference (thousand requests)' },
} as const;

const override = z
  .object({
    title: z.string().min(1),
    purchasable: z.boolean(),
    monthlyAmount: z.number().int().min(0),
    basePriceLookupKey: z.string().min(1).nullable(),
    maxConcurrentRuns: z.number().int().min(0),
    gpuHoursPerPeriod: z.number().min(0).nullable(),
    datasetBytes: z.number().int().min(0),
    inferenceRequestsPerMinute: z.number().int().min(0),
  })
  .partial()
  .strict();

/** The plans in force: the defaults with BILLING_PLANS (JSON) merged over them. Throws a readable Error on a bad value. */
export function resolvePlans(json: string | undefined): Record<string, Plan> {
  const plans: Record<string, Plan> = structuredClone(DEFAULT_PLANS);
  if (!json) return plans;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('BILLING_PLANS is not valid JSON');
  }
  const parsed = z.record(z.string().regex(/^[a-z][a-z0-9_-]{0,40}$/), override).safeParse(raw);
  if (!parsed.success) throw new Error(`BILLING_PLANS: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  for (const [name, o] of Object.entries(parsed.data)) {
    const base = plans[name] ?? { ...DEFAULT_PLANS.pro, name, title: name, basePriceLookupKey: `tuneforge_${name}_monthly` };
    plans[name] = { ...base, ...o, name };
  }
  return plans;
}
