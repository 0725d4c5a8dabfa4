import type { PlanView, UsageView } from "@poststack/contract"
import { PlanId } from "@poststack/domain"
import { call } from "../api"
import { ErrorMessage, PageTitle, useAction } from "../ui"
import { useLoad } from "../useLoad"

const limit = (value: number | null) => (value === null ? "no limit" : value.toLocaleString("en"))

const STATUS: Record<UsageView["status"], string> = {
  none: "No subscription",
  active: "Active",
  past_due: "Payment failed",
  canceled: "Cancelled"
}

/**
 * Emails accepted per day as bars, test-mode sends drawn apart, against the plan's daily limit
 * (a line) when it has one. Plain SVG: no chart library in the bundle.
 */
const UsageChart = ({ usage }: { readonly usage: UsageView }) => {
  const width = 640
  const height = 160
  const days = usage.days
  const top = Math.max(1, usage.plan.dailyLimit ?? 0, ...days.map((d) => d.accepted + d.test.accepted))
  const slot = width / Math.max(1, days.length)
  const y = (n: number) => height - (n / top) * height
  return (
    <figure>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-labelledby="usage-chart-title"
        className="usage-chart"
      >
        <title id="usage-chart-title">Emails per day, last {days.length} days</title>
        {days.map((d, i) => (
          <g key={d.day} data-day={d.day}>
            <rect
              x={i * slot + 1}
              y={y(d.accepted)}
              width={Math.max(1, slot - 2)}
              height={height - y(d.accepted)}
              className="bar-live"
            >
              <title>{`${d.day}: ${d.accepted} sent live, ${d.delivered} delivered, ${d.bounced} bounced; ${d.test.accepted} in test mode`}</title>
            </rect>
            <rect
              x={i * slot + 1}
              y={y(d.accepted + d.test.accepted)}
              width={Math.max(1, slot - 2)}
              height={height - y(d.test.accepted)}
              className="bar-test"
            />
          </g>
        ))}
        {usage.plan.dailyLimit === null ? null : (
          <line
            x1={0}
            x2={width}
            y1={y(usage.plan.dailyLimit)}
            y2={y(usage.plan.dailyLimit)}
            className="limit-line"
          />
        )}
      </svg>
      <figcaption>
        Emails accepted per day (UTC); test-mode sends are shown lighter and never count against the plan.
      </figcaption>
    </figure>
  )
}

export const BillingPage = () => {
  const usage = useLoad(() => call((api) => api.billing.usage({ urlParams: {} })))
  const plans = useLoad(() => call((api) => api.billing.plans()))
  const acting = useAction()
  const go = (open: () => Promise<{ readonly url: string }>) =>
    acting.run(async () => {
      const { url } = await open()
      window.location.assign(url)
    })
  const checkout = (plan: PlanView) =>
    go(() => call((api) => api.billing.checkout({ payload: { plan: PlanId.make(plan.id) } })))
  const portal = () => go(() => call((api) => api.billing.portal()))
  const u = usage.data
  return (
    <section>
      <PageTitle>Billing</PageTitle>
      <ErrorMessage problem={usage.problem ?? plans.problem ?? acting.problem} />
      {u === undefined ? (
        <p role="status">Loading…</p>
      ) : (
        <>
          <dl className="facts" aria-label="Plan and usage">
            <dt>Plan</dt>
            <dd data-testid="plan-name">{u.plan.name}</dd>
            <dt>This month</dt>
            <dd data-testid="month-usage">
              {u.month.toLocaleString("en")} of {limit(u.plan.monthlyLimit)}
              {u.overage > 0 ? ` (${u.overage.toLocaleString("en")} billed as overage)` : ""}
            </dd>
            <dt>Today</dt>
            <dd data-testid="today-usage">
              {u.today.toLocaleString("en")} of {limit(u.plan.dailyLimit)}
            </dd>
            <dt>Log retention</dt>
            <dd>{u.plan.retentionDays} days</dd>
            <dt>Subscription</dt>
            <dd data-testid="billing-status">{STATUS[u.status]}</dd>
          </dl>
          {u.suspended ? (
            <p role="alert" className="error">
              A payment failed and its grace period has ended: sending is suspended until the card is updated.
            </p>
          ) : u.status === "past_due" && u.graceUntil !== null ? (
            <p role="alert" className="error">
              A payment failed. Sending goes on until {u.graceUntil.toUTCString()}: update the card before
              then.
            </p>
          ) : null}
          <UsageChart usage={u} />
          {u.billingEnabled ? (
            <>
              <h2>Plans</h2>
              <ul className="plans">
                {(plans.data?.data ?? [])
                  .filter((p) => p.purchasable)
                  .map((p) => (
                    <li key={p.id}>
                      <strong>{p.name}</strong>: {limit(p.monthlyLimit)} emails a month, {limit(p.dailyLimit)}{" "}
                      a day, {p.retentionDays} days of logs{" "}
                      {p.id === u.plan.id ? (
                        <span className="badge">Current plan</span>
                      ) : (
                        <button type="button" onClick={() => void checkout(p)}>
                          Choose {p.name}
                        </button>
                      )}
                    </li>
                  ))}
              </ul>
              {u.hasCustomer ? (
                <button type="button" onClick={() => void portal()}>
                  Manage cards and invoices
                </button>
              ) : null}
            </>
          ) : (
            <p className="lead">
              Billing is not set up on this server: every team sends without a plan limit.
            </p>
          )}
        </>
      )}
    </section>
  )
}
