import { describe, expect, it } from "@effect/vitest"
import {
  NodeCryptoDkimKeyGenerator,
  NodeCryptoKeyMaterial,
  NodeCryptoSecretBox,
  TldtsPublicSuffixList
} from "@poststack/adapters-external"
import { MemoryAuditLog, MemoryRepositories } from "@poststack/adapters-persistence"
import {
  AuthenticateApiKey,
  asOperator,
  CreateApiKey,
  CreateDomain,
  type CreateDomainInput,
  DeleteDomain,
  DkimKeyRepository,
  MailHostSettings,
  SecretBox,
  TeamRepository,
  VerifyDomainLocally
} from "@poststack/application"
import { Effect, Either, Layer, Option, Redacted } from "effect"

/** The domain use cases over the memory twins: no database, the real key generator and secret box. */
const TestLayer = Layer.mergeAll(
  MemoryAuditLog.layer,
  MemoryRepositories.layer,
  NodeCryptoDkimKeyGenerator.layer,
  TldtsPublicSuffixList.layer,
  NodeCryptoKeyMaterial.layer(Redacted.make(new Uint8Array(32).fill(9))),
  Layer.succeed(SecretBox, NodeCryptoSecretBox.make(Redacted.make(new Uint8Array(32).fill(7)))),
  Layer.succeed(MailHostSettings, {
    mxHost: "mx.poststack.test",
    spfMechanisms: ["ip4:127.0.0.1"],
    trackingTarget: "track.poststack.test"
  })
)

const input: CreateDomainInput = {
  name: "Mail.Example.com",
  customReturnPath: undefined,
  openTracking: false,
  clickTracking: false,
  tlsMode: "opportunistic",
  trackingDomain: undefined,
  inboundEnabled: false
}

const newTeam = Effect.map(
  Effect.flatMap(TeamRepository, (teams) => teams.create("Acme")),
  (team) => team.id
)

describe("domain use cases over the memory twins", () => {
  it.effect("adds a domain with its DKIM record, refuses the name twice, and signs once it is verified", () =>
    Effect.gen(function* () {
      const team = yield* newTeam
      const domain = yield* CreateDomain(asOperator(team), input)
      expect(domain).toMatchObject({
        name: "mail.example.com",
        status: "pending",
        trackingDomain: "track.mail.example.com"
      })
      const dkim = yield* DkimKeyRepository
      const [key] = yield* dkim.keys(domain.id)
      const record = domain.dnsRecords.find((r) => r.purpose === "dkim")
      expect(record?.name).toBe(`${key?.selector}._domainkey.mail.example.com`)
      expect(record?.value).toContain(`p=${key?.publicKey}`)
      const twice = yield* Effect.either(
        CreateDomain(asOperator(team), { ...input, name: "mail.example.com" })
      )
      expect(Either.isLeft(twice) && twice.left._tag).toBe("DomainAlreadyExists")

      expect(Option.isNone(yield* dkim.signingKey(domain.id))).toBe(true)
      yield* VerifyDomainLocally(team, { _tag: "Numeric", id: domain.id })
      const signing = Option.getOrThrow(yield* dkim.signingKey(domain.id))
      expect(signing).toMatchObject({ domainName: "mail.example.com", selector: key?.selector })
      const pem = yield* Effect.flatMap(SecretBox, (box) => box.open(signing.sealedPrivateKey))
      expect(Redacted.value(pem)).toContain("PRIVATE KEY")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("deleting a domain revokes the API keys scoped to it", () =>
    Effect.gen(function* () {
      const team = yield* newTeam
      const domain = yield* CreateDomain(asOperator(team), input)
      const scoped = yield* CreateApiKey(asOperator(team), {
        name: "shop",
        permission: "sending_access",
        mode: "live",
        domain: domain.publicId,
        allowFullAccess: false
      })
      expect((yield* AuthenticateApiKey(scoped.plaintext)).domainId).toBe(domain.id)
      yield* DeleteDomain(asOperator(team), { _tag: "Public", publicId: domain.publicId })
      expect(Either.isLeft(yield* Effect.either(AuthenticateApiKey(scoped.plaintext)))).toBe(true)
    }).pipe(Effect.provide(TestLayer))
  )
})
