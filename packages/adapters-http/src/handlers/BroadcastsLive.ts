import { HttpApiBuilder } from "@effect/platform"
import {
  BroadcastVariantStats,
  CancelBroadcast,
  CreateBroadcast,
  EndAbTest,
  GetBroadcast,
  ListBroadcastPerformance,
  ListBroadcasts,
  ResendBroadcast,
  SendBroadcast,
  SendTestBroadcast,
  UnengagedContacts,
  UpdateBroadcast
} from "@poststack/application"
import { Api, CurrentPrincipal } from "@poststack/contract"
import type { BroadcastPublicId } from "@poststack/domain"
import { Effect } from "effect"
import { envelope, performanceRow, variantStatView, variantView } from "./broadcastViews.js"
import { listPage } from "./listPage.js"

type AbBody = {
  readonly variants: ReadonlyArray<{
    readonly name: string
    readonly subject: string
    readonly html?: string | null | undefined
    readonly text?: string | null | undefined
    readonly weight: number
  }>
  readonly testSampleSize?: number | undefined
  readonly testDurationMinutes?: number | undefined
  readonly winnerMetric?: "open_rate" | "click_rate" | undefined
}

const abTest = (ab: AbBody | null | undefined) =>
  ab === undefined
    ? undefined
    : ab === null
      ? null
      : {
          variants: ab.variants.map((v) => ({
            name: v.name,
            subject: v.subject,
            html: v.html ?? null,
            text: v.text ?? null,
            weight: v.weight
          })),
          samplePercent: ab.testSampleSize,
          durationMinutes: ab.testDurationMinutes,
          metric: ab.winnerMetric
        }

const unengaged = (id: BroadcastPublicId, event: "opened" | "clicked", limit: number) =>
  Effect.flatMap(CurrentPrincipal, (caller) => UnengagedContacts(caller, id, event, limit)).pipe(
    Effect.map(({ broadcast, count, contacts }) => ({
      broadcast: { id: broadcast.publicId, subject: broadcast.subject },
      count,
      contacts: contacts.map((c) => ({
        id: c.id,
        email: c.email,
        first_name: c.firstName,
        last_name: c.lastName
      }))
    }))
  )

const withCaller = <A, E, R>(f: (caller: CurrentPrincipal["Type"]) => Effect.Effect<A, E, R>) =>
  Effect.flatMap(CurrentPrincipal, f)

export const BroadcastsLive = HttpApiBuilder.group(Api, "broadcasts", (handlers) =>
  handlers
    .handle("listPerformance", ({ urlParams }) =>
      withCaller((caller) => ListBroadcastPerformance(caller, urlParams.since ?? null, urlParams.limit)).pipe(
        Effect.map((rows) => {
          const mapped = rows.map(performanceRow)
          const key = urlParams.metric
          const sorted = [...mapped].sort((a, b) => b[key] - a[key])
          return { metric: urlParams.metric, since: urlParams.since ?? null, broadcasts: sorted }
        })
      )
    )
    .handle("create", ({ payload }) =>
      withCaller((caller) =>
        CreateBroadcast(
          caller,
          {
            name: payload.name ?? null,
            segmentId: payload.segmentId,
            topicId: payload.topicId ?? null,
            from: payload.from,
            subject: payload.subject,
            html: payload.html ?? null,
            text: payload.text ?? null,
            replyTo: payload.replyTo ?? null,
            abTest: abTest(payload.abTest) ?? null
          },
          payload.scheduledAt ?? null
        )
      ).pipe(Effect.map(envelope))
    )
    .handle("list", ({ urlParams }) =>
      withCaller((caller) =>
        ListBroadcasts(
          caller,
          {
            ...(urlParams.search === undefined ? {} : { search: urlParams.search }),
            ...(urlParams.status === undefined ? {} : { status: urlParams.status })
          },
          urlParams.page,
          urlParams.perPage
        )
      ).pipe(
        Effect.map(({ rows, total }) =>
          listPage(
            rows.map((r) => envelope(r).broadcast),
            urlParams,
            total
          )
        )
      )
    )
    .handle("get", ({ path }) =>
      withCaller((caller) => GetBroadcast(caller, path.id)).pipe(Effect.map(envelope))
    )
    .handle("update", ({ path, payload }) =>
      withCaller((caller) =>
        UpdateBroadcast(caller, path.id, {
          name: payload.name,
          segmentId: payload.segmentId,
          topicId: payload.topicId,
          from: payload.from,
          subject: payload.subject,
          html: payload.html,
          text: payload.text,
          replyTo: payload.replyTo,
          abTest: abTest(payload.abTest)
        })
      ).pipe(Effect.map(envelope))
    )
    .handle("send", ({ path }) =>
      withCaller((caller) => SendBroadcast(caller, path.id)).pipe(
        Effect.as({ success: true as const, id: path.id, status: "queued" as const })
      )
    )
    .handle("cancel", ({ path }) =>
      withCaller((caller) => CancelBroadcast(caller, path.id)).pipe(Effect.as({ success: true as const }))
    )
    .handle("sendTest", ({ path, payload }) =>
      withCaller((caller) => SendTestBroadcast(caller, path.id, payload.email)).pipe(
        Effect.map((sent) => ({ success: true as const, id: sent.id }))
      )
    )
    .handle("variants", ({ path }) =>
      withCaller((caller) => BroadcastVariantStats(caller, path.id, false)).pipe(
        Effect.map(({ variants }) => ({ variants: variants.map((v) => variantView(v.variant, v.counters)) }))
      )
    )
    .handle("variantStats", ({ path }) =>
      withCaller((caller) => BroadcastVariantStats(caller, path.id, true)).pipe(
        Effect.map(({ read, variants }) => {
          const winner = read.broadcast.winnerVariantId
          return {
            variants: variants.map((v) => variantStatView(v.variant, v.counters)),
            winnerVariantId: winner,
            ...(winner === null
              ? {}
              : { winner: { variantId: winner, metric: read.broadcast.abTest?.metric ?? "open_rate" } })
          }
        })
      )
    )
    .handle("endAbTest", ({ path }) =>
      withCaller((caller) => EndAbTest(caller, path.id)).pipe(
        Effect.map((winnerVariantId) => ({ success: true as const, winnerVariantId }))
      )
    )
    .handle("performance", ({ path }) =>
      withCaller((caller) => BroadcastVariantStats(caller, path.id, false)).pipe(
        Effect.map(({ read, variants, byHour }) => ({
          by_hour: byHour,
          broadcast: {
            ...performanceRow(read),
            in_progress: read.broadcast.status === "queued" || read.broadcast.status === "sending"
          },
          variants:
            read.broadcast.abTest === null
              ? null
              : variants.map((v) => variantStatView(v.variant, v.counters))
        }))
      )
    )
    .handle("nonOpeners", ({ path, urlParams }) => unengaged(path.id, "opened", urlParams.limit))
    .handle("nonClickers", ({ path, urlParams }) => unengaged(path.id, "clicked", urlParams.limit))
    .handle("resend", ({ path, payload }) =>
      withCaller((caller) =>
        ResendBroadcast(caller, path.id, payload.target ?? "non_openers", payload.subject)
      ).pipe(
        Effect.map(({ draft, segment, recipientCount }) => ({
          broadcast: {
            id: draft.broadcast.publicId,
            subject: draft.broadcast.subject,
            status: draft.broadcast.status
          },
          segment: { id: segment.publicId, name: segment.name },
          recipientCount
        }))
      )
    )
)
