import { describe, expect, it } from "@effect/vitest"
import { NodeCryptoDigest } from "@poststack/adapters-external"
import {
  MemoryContactPropertyRepository,
  MemoryContactRepository,
  MemoryRateLimiterStore,
  MemoryRepositories,
  MemorySignupAudience,
  MemorySignupFormRepository,
  MemorySuppressionList
} from "@poststack/adapters-persistence"
import {
  asOperator,
  ConfirmSignup,
  ContactRepository,
  CreateSignupForm,
  DomainRepository,
  EmailRepository,
  SegmentAudience,
  SegmentRepository,
  SignupFormRepository,
  SubmitSignupForm,
  SystemMailSettings,
  TeamRepository,
  TopicRepository,
  TrackingLinks
} from "@poststack/application"
import { Effect, Either, Layer, Option } from "effect"

/** Signatures a test can make: `sig:<input>`. */
const Links = Layer.succeed(
  TrackingLinks,
  TrackingLinks.of({
    publicUrl: "http://x.test",
    sign: (input) => `sig:${input}`,
    verify: (input, signature) => signature === `sig:${input}`
  })
)
const unused = <S>(tag: { of: (s: S) => S }) =>
  tag.of(new Proxy({}, { get: () => () => Effect.die("unused") }) as S)
/** System mail is off (no sender): submitting sends nothing, and the link is made here instead. */
const TestLayer = Layer.mergeAll(
  MemoryRepositories.layer,
  MemoryContactPropertyRepository.layerWithContacts,
  MemorySuppressionList.layer,
  MemorySignupFormRepository.layer,
  MemorySignupAudience.layer,
  MemoryRateLimiterStore.layer,
  NodeCryptoDigest.layer,
  Links,
  Layer.succeed(SystemMailSettings, { from: Option.none(), publicUrl: "http://x.test" }),
  Layer.succeed(DomainRepository, unused(DomainRepository)),
  Layer.succeed(EmailRepository, unused(EmailRepository))
)

const setUp = Effect.gen(function* () {
  const team = yield* (yield* TeamRepository).create("shop")
  const segment = yield* (yield* SegmentRepository).create(team.id, "Launch", null)
  const topic = yield* (yield* TopicRepository).create(team.id, { name: "Deals", description: null })
  const { form } = yield* CreateSignupForm(asOperator(team.id), {
    name: "News",
    segmentId: segment.publicId,
    topicId: topic.publicId,
    fields: [{ name: "email", type: "email", label: "Email", required: true }]
  })
  return { team, form, segment, topic }
})

describe("signup forms: submit and confirm over the memory twins", () => {
  it.effect(
    "a confirmation creates the contact once and joins the form's manual segment and topic once",
    () =>
      Effect.gen(function* () {
        const { team, form, segment, topic } = yield* setUp
        const answer = yield* SubmitSignupForm(
          form.publicId,
          { email: "ann@example.com", first_name: "Ann" },
          "192.0.2.1"
        )
        expect(answer.message).toMatch(/Check your inbox/)
        const contacts = yield* ContactRepository
        expect(Option.isNone(yield* contacts.getByEmail(team.id, "ann@example.com"))).toBe(true)

        const pending = Option.getOrThrow(
          yield* (yield* SignupFormRepository).submit(form, {
            email: "ann@example.com",
            firstName: "Ann",
            lastName: null,
            properties: {}
          })
        )
        const signature = `sig:signup-confirm:${pending.publicId}`
        const refused = yield* Effect.either(ConfirmSignup(pending.publicId, "sig:other"))
        expect(Either.isLeft(refused) && refused.left._tag).toBe("SignupConfirmationInvalid")
        yield* ConfirmSignup(pending.publicId, signature)
        yield* ConfirmSignup(pending.publicId, signature)
        const contact = Option.getOrThrow(yield* contacts.getByEmail(team.id, "ann@example.com"))
        expect(contact).toMatchObject({ firstName: "Ann", unsubscribed: false })
        expect((yield* MemorySignupAudience.MemorySignupAudienceLog).joined).toEqual([
          { contactId: contact.publicId, topicId: topic.publicId }
        ])
        const members = yield* (yield* SegmentAudience).ids(
          team.id,
          { _tag: "Members", segmentId: segment.id },
          null,
          10
        )
        expect(members).toEqual([contact.id])
        // Created once, and the form's topic recorded once as the contact's choice (what
        // `contact.subscribed` workflows start from); the second click writes nothing.
        const events = (yield* MemoryContactRepository.MemoryContactOutbox).events
        expect(events.map((e) => e.type)).toEqual(["contact.created", "contact.updated"])
        expect(events[1]?.data.topic).toEqual({
          topic_id: topic.publicId,
          name: topic.name,
          subscribed: true
        })
      }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a link older than seven days is refused and subscribes no one", () =>
    Effect.gen(function* () {
      const { team, form } = yield* setUp
      const pending = Option.getOrThrow(
        yield* (yield* SignupFormRepository).submit(form, {
          email: "late@example.com",
          firstName: null,
          lastName: null,
          properties: {}
        })
      )
      const later = new Date(Date.now() + 8 * 24 * 60 * 60_000)
      const refused = yield* Effect.either(
        ConfirmSignup(pending.publicId, `sig:signup-confirm:${pending.publicId}`, later)
      )
      expect(Either.isLeft(refused) && refused.left._tag).toBe("SignupConfirmationInvalid")
      expect(Option.isNone(yield* (yield* ContactRepository).getByEmail(team.id, "late@example.com"))).toBe(
        true
      )
      expect((yield* MemorySignupAudience.MemorySignupAudienceLog).joined).toEqual([])
    }).pipe(Effect.provide(TestLayer))
  )
})

describe("signup forms: the segment a form names", () => {
  it.effect("must be a manual segment of the team", () =>
    Effect.gen(function* () {
      const team = yield* (yield* TeamRepository).create("shop")
      const other = yield* (yield* TeamRepository).create("other")
      const theirs = yield* (yield* SegmentRepository).create(other.id, "Theirs", null)
      const ruled = yield* (yield* SegmentRepository).create(team.id, "Ruled", {
        operator: "and",
        conditions: [{ field: "email", comparator: "contains", value: "@" }]
      })
      const fields = [{ name: "email", type: "email" as const, label: "Email", required: true }]
      const notFound = yield* Effect.either(
        CreateSignupForm(asOperator(team.id), { name: "x", segmentId: theirs.publicId, fields })
      )
      expect(Either.isLeft(notFound) && notFound.left._tag).toBe("SegmentNotFound")
      const dynamic = yield* Effect.either(
        CreateSignupForm(asOperator(team.id), { name: "x", segmentId: ruled.publicId, fields })
      )
      expect(Either.isLeft(dynamic) && dynamic.left._tag).toBe("SegmentNotManual")
      expect((yield* (yield* SignupFormRepository).list(team.id, 1, 10)).total).toBe(0)
    }).pipe(Effect.provide(TestLayer))
  )
})
