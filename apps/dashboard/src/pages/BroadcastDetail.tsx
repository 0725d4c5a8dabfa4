import type { BroadcastView } from "@poststack/contract"
import type { BroadcastPublicId } from "@poststack/domain"
import { useEffect, useState } from "react"
import { ApiProblem, call } from "../api"
import { useSession } from "../session"
import { ErrorMessage, Field, Form, formatDate, Notice, useAction } from "../ui"
import { useLoad } from "../useLoad"
import { EngagementChart } from "./EngagementChart"

type Performance = Awaited<ReturnType<typeof loadPerformance>>

const loadPerformance = (id: BroadcastPublicId) => call((api) => api.broadcasts.performance({ path: { id } }))

/** How often a send in progress is read again. */
const REFRESH_MS = 1_500

export const StatusBadge = ({ status }: { readonly status: BroadcastView["status"] }) => {
  const tone = {
    draft: "",
    queued: "badge-pending",
    sending: "badge-current",
    sent: "badge-live",
    cancelled: "badge-expired"
  }[status]
  return <span className={`badge ${tone}`}>{status}</span>
}

const percent = (part: number, whole: number) => (whole === 0 ? "" : `${Math.round((part / whole) * 100)} %`)

/** Recipients, delivered, opened, clicked, bounced: the counters, each with its share. */
const Counters = ({ p }: { readonly p: Performance["broadcast"] }) => (
  <dl className="stats" aria-label="Progress">
    {(
      [
        ["Recipients", p.total_recipients, ""],
        ["Delivered", p.delivered, percent(p.delivered, p.total_recipients)],
        ["Opened", p.opened, percent(p.opened, p.delivered)],
        ["Clicked", p.clicked, percent(p.clicked, p.delivered)],
        ["Bounced", p.bounced, percent(p.bounced, p.total_recipients)]
      ] as const
    ).map(([label, value, share]) => (
      <div key={label} className="stat">
        <dt>{label}</dt>
        <dd data-testid={`count-${label.toLowerCase()}`}>{value.toLocaleString("en")}</dd>
        <dd className="share">{share}</dd>
      </div>
    ))}
  </dl>
)

/**
 * One broadcast: its progress read again every second and a half while it is queued, sending or
 * still being delivered; send, cancel, send a test, end an A/B test; opens and clicks by hour.
 */
export const BroadcastDetail = ({
  broadcast,
  onChanged
}: {
  readonly broadcast: BroadcastView
  readonly onChanged: () => void
}) => {
  const { info } = useSession()
  const id = broadcast.publicId as BroadcastPublicId
  const [perf, setPerf] = useState<Performance | undefined>()
  const [problem, setProblem] = useState<ApiProblem | undefined>()
  const [testTo, setTestTo] = useState(info.user.email)
  const [notice, setNotice] = useState<string | undefined>()
  const acting = useAction()
  const [tick, setTick] = useState(0)
  // The audience by its names; an id shows only for a segment or topic deleted since.
  const segments = useLoad(() => call((api) => api.segments.list()))
  const topics = useLoad(() => call((api) => api.subscriptionTopics.list()))
  const segmentName = segments.data?.segments.find((s) => s.publicId === broadcast.segmentPublicId)?.name
  const topicName = topics.data?.topics.find((t) => t.publicId === broadcast.topicPublicId)?.name

  // biome-ignore lint/correctness/useExhaustiveDependencies: `tick` asks for a read after an action.
  useEffect(() => {
    let current = true
    let timer: ReturnType<typeof setTimeout> | undefined
    const read = async () => {
      try {
        const p = await loadPerformance(id)
        if (!current) return
        setPerf(p)
        setProblem(undefined)
        const b = p.broadcast
        const pending = b.in_progress || b.delivered + b.bounced < b.total_recipients
        if (pending && b.status !== "cancelled" && b.status !== "draft") timer = setTimeout(read, REFRESH_MS)
      } catch (error) {
        if (current) setProblem(error instanceof ApiProblem ? error : undefined)
      }
    }
    void read()
    return () => {
      current = false
      if (timer !== undefined) clearTimeout(timer)
    }
  }, [id, tick])

  const status = perf?.broadcast.status ?? broadcast.status
  // Sent means handed to the delivery queue: while some of it has not gone out, cancel stops the rest.
  const mailWaiting =
    perf !== undefined && perf.broadcast.delivered + perf.broadcast.bounced < perf.broadcast.total_recipients
  useEffect(() => {
    if (status !== broadcast.status) onChanged()
  }, [status, broadcast.status, onChanged])

  const act = (what: () => Promise<unknown>, done: string) =>
    acting.run(async () => {
      await what()
      setNotice(done)
      setTick((t) => t + 1)
      onChanged()
    })
  const p = perf?.broadcast
  const winner = perf?.variants === null ? null : broadcast.abTest?.winnerVariantId

  return (
    <section className="card broadcast-detail" aria-label={`Broadcast ${broadcast.subject}`}>
      <div className="detail-head">
        <h2 className="detail-title">{broadcast.name ?? broadcast.subject}</h2>
        <StatusBadge status={status} />
      </div>
      <p className="hint">
        “{broadcast.subject}” from {broadcast.from} to segment{" "}
        {segmentName === undefined ? <code>{broadcast.segmentPublicId}</code> : `“${segmentName}”`}
        {broadcast.topicPublicId === null ? "" : ` on topic “${topicName ?? broadcast.topicPublicId}”`}.{" "}
        {broadcast.scheduledAt !== null && status === "queued"
          ? `Scheduled for ${formatDate(broadcast.scheduledAt, info.user.timeZone)}.`
          : p?.sent_at
            ? `Started ${formatDate(p.sent_at, info.user.timeZone)}.`
            : ""}
      </p>
      <ErrorMessage problem={problem ?? acting.problem} />
      {notice === undefined ? null : <Notice>{notice}</Notice>}
      {p === undefined ? null : <Counters p={p} />}
      <div className="actions">
        {status === "draft" ? (
          <button
            type="button"
            className="button primary"
            onClick={() =>
              act(() => call((api) => api.broadcasts.send({ path: { id } })), "Queued for sending.")
            }
          >
            Send now
          </button>
        ) : null}
        {status === "queued" || status === "sending" || (status === "sent" && mailWaiting) ? (
          <button
            type="button"
            className="danger"
            onClick={() =>
              act(
                () => call((api) => api.broadcasts.cancel({ path: { id } })),
                "Cancelled: what was not handed to a mail server yet will not be sent."
              )
            }
          >
            Cancel broadcast
          </button>
        ) : null}
        {status === "sending" && broadcast.abTest !== null && winner === null ? (
          <button
            type="button"
            onClick={() =>
              act(
                () => call((api) => api.broadcasts.endAbTest({ path: { id } })),
                "A/B test ended: the winner goes to the rest."
              )
            }
          >
            End A/B test now
          </button>
        ) : null}
      </div>
      {perf?.variants == null ? null : (
        <table aria-label="Variants">
          <thead>
            <tr>
              <th scope="col">Variant</th>
              <th scope="col">Weight</th>
              <th scope="col">Recipients</th>
              <th scope="col">Open rate</th>
              <th scope="col">Click rate</th>
            </tr>
          </thead>
          <tbody>
            {perf.variants.map((v) => (
              <tr key={v.id}>
                <th scope="row">
                  {v.name}{" "}
                  {v.id === broadcast.abTest?.winnerVariantId ? (
                    <span className="badge badge-live">winner</span>
                  ) : null}
                </th>
                <td>{v.weight} %</td>
                <td>{v.recipientCount}</td>
                <td>{Math.round(v.openRate * 100)} %</td>
                <td>{Math.round(v.clickRate * 100)} %</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Opens and clicks by hour</h3>
      <EngagementChart hours={perf?.by_hour ?? []} timeZone={info.user.timeZone} />
      <Form
        label="Send a test"
        submit="Send test"
        className="inline-form"
        action={async () => {
          await call((api) => api.broadcasts.sendTest({ path: { id }, payload: { email: testTo } }))
          setNotice(`Test sent to ${testTo}.`)
        }}
      >
        <Field
          label="Send a test to"
          name="test-to"
          type="email"
          required
          value={testTo}
          onChange={setTestTo}
        />
      </Form>
    </section>
  )
}
