import { useCallback, useState } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { describeError, problemText } from '../../api/errors';
import { hasScope, useViewer } from '../../app/viewer';
import type { CombinedError } from '@urql/core';
import type { BillingUsageQuery } from '../../gql/graphql';
import { Alert } from '../../ui/Alert';
import { formatBytes, formatDate, formatNumber } from '../../ui/format';
import { PageHeader } from '../../ui/PageHeader';
import { Empty, QueryState } from '../../ui/QueryState';
import { StatusBadge } from '../../ui/StatusBadge';
import { DayChart } from './DayChart';
import { BillingUsageDocument, CreateBillingPortalSessionDocument, CreateCheckoutSessionDocument } from './usage.operations';

type Data = BillingUsageQuery;

export function money(cents: number, currency: string): string {
  return new Intl.NumberFormat('en', { style: 'currency', currency: currency.toUpperCase() }).format(cents / 100);
}

/** One user error or request problem from a session mutation, as a line. */
function sessionProblem(res: { error?: CombinedError; userErrors?: readonly { message: string; code: string }[] }): string | null {
  if (res.error) return problemText(describeError(res.error));
  if (res.userErrors?.length) return res.userErrors.map((e) => `${e.message} (${e.code})`).join(' ');
  return null;
}

function Plan({ data, canBuy }: { data: Data; canBuy: boolean }) {
  const { billing, plans } = data;
  const purchasable = plans.filter((p) => p.purchasable && p.name !== billing.plan.name);
  const [plan, setPlan] = useState(purchasable[0]?.name ?? '');
  const [checkout, createCheckout] = useMutation(CreateCheckoutSessionDocument);
  const [portal, createPortal] = useMutation(CreateBillingPortalSessionDocument);
  const [problem, setProblem] = useState<string | null>(null);
  const here = `${window.location.origin}/console/usage`;
  const go = (url: string | null | undefined) => {
    if (url) window.location.assign(url);
  };
  const onCheckout = async () => {
    setProblem(null);
    const res = await createCheckout({ plan, successUrl: here, cancelUrl: here });
    const p = sessionProblem({ error: res.error, userErrors: res.data?.createCheckoutSession.userErrors });
    if (p) setProblem(p);
    else go(res.data?.createCheckoutSession.url);
  };
  const onPortal = async () => {
    setProblem(null);
    const res = await createPortal({ returnUrl: here });
    const p = sessionProblem({ error: res.error, userErrors: res.data?.createBillingPortalSession.userErrors });
    if (p) setProblem(p);
    else go(res.data?.createBillingPortalSession.url);
  };
  const l = billing.plan.limits;
  return (
    <section className="panel" aria-labelledby="plan-title">
      <h2 id="plan-title">Plan: {billing.plan.title}</h2>
      {billing.paymentRequired && <Alert>Payment required: {billing.paymentRequired}</Alert>}
      <dl className="facts">
        <div><dt>Subscription</dt><dd>{billing.subscriptionStatus ? <StatusBadge status={billing.subscriptionStatus.toUpperCase()} /> : 'none'}{billing.pastDueSince && <> <span className="hint">past due since {formatDate(billing.pastDueSince)}</span></>}</dd></div>
        <div><dt>This period</dt><dd>{formatDate(billing.periodStart)} – {formatDate(billing.periodEnd)}</dd></div>
        <div><dt>GPU-hours this period</dt><dd>{formatNumber(billing.gpuHoursThisPeriod, 3)}{l.gpuHoursPerPeriod != null ? ` of ${formatNumber(l.gpuHoursPerPeriod)}` : ' (no limit)'}</dd></div>
        <div><dt>Concurrent runs</dt><dd>{l.maxConcurrentRuns}</dd></div>
        <div><dt>Dataset storage</dt><dd>{formatBytes(l.datasetBytes)}</dd></div>
        <div><dt>Inference requests per minute</dt><dd>{formatNumber(l.inferenceRequestsPerMinute)}</dd></div>
      </dl>
      {!billing.stripeConnected && <Alert tone="notice">Stripe not connected: usage is recorded in the ledger, but there are no invoices or payments on this server.</Alert>}
      {canBuy ? (
        <div className="filters">
          {purchasable.length > 0 && (
            <>
              <label>
                Plan{' '}
                <select value={plan} onChange={(e) => setPlan(e.target.value)}>
                  {purchasable.map((p) => <option key={p.name} value={p.name}>{p.title} ({money(p.monthlyAmount, 'usd')} / month)</option>)}
                </select>
              </label>
              <button type="button" className="button button-primary" disabled={!plan || checkout.fetching} onClick={() => void onCheckout()}>{checkout.fetching ? 'Opening Checkout…' : 'Subscribe with Checkout'}</button>
            </>
          )}
          <button type="button" className="button" disabled={portal.fetching} onClick={() => void onPortal()}>{portal.fetching ? 'Opening the portal…' : 'Billing portal'}</button>
        </div>
      ) : (
        <p className="hint">Subscribing and the billing portal need the billing:write permission (owners and admins).</p>
      )}
      {problem && <Alert>{problem}</Alert>}
    </section>
  );
}

function Usage({ usage }: { usage: Data['usage'] }) {
  return (
    <section className="panel" aria-labelledby="usage-title">
      <h2 id="usage-title">Usage {formatDate(usage.from)} – {formatDate(usage.to)}</h2>
      <dl className="facts">
        <div><dt>GPU-hours</dt><dd data-testid="usage-gpu-hours">{formatNumber(usage.gpuSeconds / 3600, 3)}</dd></div>
        <div><dt>Training hours (billed)</dt><dd>{formatNumber(usage.trainingHours, 3)}</dd></div>
        <div><dt>Inference requests</dt><dd>{formatNumber(usage.inferenceRequests)}</dd></div>
      </dl>
      <p className="hint">From the usage ledger: a running run is counted about once a minute, inference requests every few seconds.</p>
      {usage.byDay.length === 0 ? (
        <Empty title="No usage in this period yet." />
      ) : (
        <div className="charts">
          <DayChart title="GPU-hours by day" unit="GPU-h" bars={usage.byDay.map((d) => ({ day: d.day, value: d.gpuSeconds / 3600 }))} />
          <DayChart title="Inference requests by day" unit="requests" bars={usage.byDay.map((d) => ({ day: d.day, value: d.inferenceRequests }))} />
        </div>
      )}
      <h3>By run</h3>
      {usage.byRun.length === 0 ? (
        <p className="hint">No training in this period.</p>
      ) : (
        <div className="table-wrap">
          <table aria-label="GPU time by run">
            <thead><tr><th scope="col">Run</th><th scope="col">Status</th><th scope="col" className="num">GPU-hours</th><th scope="col" className="num">Training hours</th></tr></thead>
            <tbody>
              {usage.byRun.map((r) => (
                <tr key={r.runId}>
                  <td>{r.run ? <Link to={`/runs/${r.run.id}`}>{r.run.modelName}</Link> : <code>{r.runId}</code>}</td>
                  <td>{r.run ? <StatusBadge status={r.run.status} /> : 'deleted'}</td>
                  <td className="num">{formatNumber(r.gpuSeconds / 3600, 3)}</td>
                  <td className="num">{formatNumber(r.trainingHours, 3)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Invoice({ data }: { data: Data }) {
  const inv = data.invoicePreview;
  return (
    <section className="panel" aria-labelledby="invoice-title">
      <h2 id="invoice-title">Next invoice</h2>
      {!inv ? (
        <p className="hint">{data.billing.stripeConnected ? 'No subscription, so no invoice.' : 'Stripe not connected: no invoice preview.'}</p>
      ) : (
        <>
          <p>{formatDate(inv.periodStart)} – {formatDate(inv.periodEnd)}</p>
          <div className="table-wrap">
            <table aria-label="Invoice lines">
              <thead><tr><th scope="col">Line</th><th scope="col" className="num">Quantity</th><th scope="col" className="num">Amount</th></tr></thead>
              <tbody>
                {inv.lines.map((line, i) => (
                  <tr key={i}><td>{line.description ?? '—'}</td><td className="num">{formatNumber(line.quantity)}</td><td className="num">{money(line.amount, inv.currency)}</td></tr>
                ))}
              </tbody>
              <tfoot>
                <tr><th scope="row" colSpan={2}>Subtotal</th><td className="num">{money(inv.subtotal, inv.currency)}</td></tr>
                <tr><th scope="row" colSpan={2}>Total</th><td className="num">{money(inv.total, inv.currency)}</td></tr>
                <tr><th scope="row" colSpan={2}>Amount due</th><td className="num"><strong>{money(inv.amountDue, inv.currency)}</strong></td></tr>
              </tfoot>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

export function UsagePage() {
  const viewer = useViewer();
  const [result, reexecute] = useQuery({ query: BillingUsageDocument });
  const refresh = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  return (
    <>
      <PageHeader title="Usage & billing" />
      <QueryState result={result} retry={refresh}>
        {(data) => (
          <>
            <Plan data={data} canBuy={hasScope(viewer, 'billing:write')} />
            <Usage usage={data.usage} />
            <Invoice data={data} />
          </>
        )}
      </QueryState>
    </>
  );
}
