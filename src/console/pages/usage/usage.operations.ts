import { graphql } from '../../gql';

export const BillingUsageDocument = graphql(`
  query BillingUsage {
    billing {
      plan { name title limits { maxConcurrentRuns gpuHoursPerPeriod datasetBytes inferenceRequestsPerMinute } }
      subscriptionStatus pastDueSince paymentRequired
      periodStart periodEnd gpuHoursThisPeriod stripeConnected
    }
    plans { name title purchasable monthlyAmount }
    usage {
      from to gpuSeconds trainingHours inferenceRequests
      byRun { runId run { id modelName status } gpuSeconds trainingHours }
      byDay { day gpuSeconds trainingHours inferenceRequests }
    }
    invoicePreview { currency subtotal total amountDue periodStart periodEnd lines { description quantity amount } }
  }
`);

export const CreateCheckoutSessionDocument = graphql(`
  mutation CreateCheckoutSession($plan: String!, $successUrl: String, $cancelUrl: String) {
    createCheckoutSession(plan: $plan, successUrl: $successUrl, cancelUrl: $cancelUrl) { url userErrors { field message code } }
  }
`);

export const CreateBillingPortalSessionDocument = graphql(`
  mutation CreateBillingPortalSession($returnUrl: String!) {
    createBillingPortalSession(returnUrl: $returnUrl) { url userErrors { field message code } }
  }
`);
