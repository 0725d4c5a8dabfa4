import { describe, expect, it } from "@effect/vitest"
import {
  MemoryEmailRepository,
  MemoryRepositories,
  MemorySuppressionList
} from "@poststack/adapters-persistence"
import {
  asOperator,
  CancelEmail,
  EmailRepository,
  RescheduleEmail,
  SuppressionList,
  TeamRepository
} from "@poststack/application"
import { Clock, Effect, Either, Layer } from "effect"
import { newEmail } from "../support/newEmail.js"

const { MemoryTenancy } = MemoryRepositories

/** Cancel and reschedule over the memory twins: the use case decides with the domain's rules. */
const TestLayer = MemoryEmailRepository.layer.pipe(
  Layer.provideMerge(Layer.mergeAll(MemoryRepositories.layer, MemorySuppressionList.layer))
)

const setUp = Effect.gen(function* () {
  const team = (yield* Effect.flatMap(TeamRepository, (teams) => teams.create("Acme"))).id
  const domainId = (yield* MemoryTenancy).addDomain(team, "dom_life")
  const sender = { teamId: team, domainId, domainName: "dom_life.example.com" }
  const accept = (to: ReadonlyArray<string>, scheduledAt: Date | null = null) =>
    Effect.map(
      Effect.flatMap(EmailRepository, (emails) => emails.accept(newEmail(sender, to, { scheduledAt }))),
      (accepted) => accepted.publicId
    )
  return { team, accept }
})

const failureOf = <A, E extends { readonly _tag: string; readonly message: string }, R>(
  effect: Effect.Effect<A, E, R>
) =>
  Effect.map(Effect.either(effect), (result) =>
    Either.isLeft(result) ? { tag: result.left._tag, message: result.left.message } : "succeeded"
  )

describe("email lifecycle use cases", () => {
  it.effect("cancels a scheduled email once, then names why it cannot again", () =>
    Effect.gen(function* () {
      const { team, accept } = yield* setUp
      const id = yield* accept(["ann@example.org"], new Date("2099-01-01T00:00:00Z"))
      expect(yield* failureOf(CancelEmail(asOperator(team), id))).toBe("succeeded")
      expect(yield* failureOf(CancelEmail(asOperator(team), id))).toEqual({
        tag: "EmailNotCancellable",
        message: "The email has already entered the sending pipeline"
      })
      expect(yield* failureOf(CancelEmail(asOperator(team), "em_nobody"))).toEqual({
        tag: "EmailNotFound",
        message: "Email not found"
      })
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("refuses to cancel an email whose every recipient is suppressed: nothing is left to stop", () =>
    Effect.gen(function* () {
      const { team, accept } = yield* setUp
      yield* Effect.flatMap(SuppressionList, (list) => list.add(team, "bob@example.org", "hard_bounce", null))
      const id = yield* accept(["bob@example.org"])
      expect(yield* failureOf(CancelEmail(asOperator(team), id))).toMatchObject({
        tag: "EmailNotCancellable"
      })
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("reschedules only a scheduled email, and no further than 30 days ahead", () =>
    Effect.gen(function* () {
      const { team, accept } = yield* setUp
      const now = yield* Clock.currentTimeMillis
      const scheduled = yield* accept(["ann@example.org"], new Date(now + 3_600_000))
      expect(yield* failureOf(RescheduleEmail(asOperator(team), scheduled, new Date(now + 7_200_000)))).toBe(
        "succeeded"
      )
      expect(
        yield* failureOf(RescheduleEmail(asOperator(team), scheduled, new Date(now + 31 * 86_400_000)))
      ).toEqual({ tag: "ScheduleTooFarAhead", message: "scheduled_at must be within 30 days" })
      const queued = yield* accept(["ann@example.org"])
      expect(yield* failureOf(RescheduleEmail(asOperator(team), queued, new Date(now + 7_200_000)))).toEqual({
        tag: "EmailNotReschedulable",
        message: "Only a scheduled email that has not been sent can be rescheduled"
      })
    }).pipe(Effect.provide(TestLayer))
  )
})
