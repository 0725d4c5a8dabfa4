import { HttpApiSchema } from "@effect/platform"
import { Api, answerFor, errorTable } from "@poststack/contract"
import * as application from "@poststack/application"
import * as domain from "@poststack/domain"
import { Arbitrary, FastCheck, Schema } from "effect"
import { describe, expect, it } from "vitest"

/**
 * Failures that never reach the HTTP API, and why. A new failure must be added either to the
 * error table or here, with its reason.
 */
const NOT_OVER_HTTP: Record<string, string> = {
  SenderNotAllowed: "SMTP submission only (553)",
  MessageMalformed: "SMTP doors only (554)",
  RecipientRefused: "inbound SMTP only (550)",
  MessageUnreadable: "turned into MessageMalformed by the SMTP use cases",
  SigningKeyUnavailable: "worker only: the delivery is deferred",
  StartupProblem: "start-up only: the process says what to fix and exits",
  CredentialsRejected: "the account handlers answer it as InvalidApiKey (401, one message)",
  SessionRequired: "the account handlers answer it as InvalidApiKey (401)",
  LinkInvalid: "the account handlers answer it as ValidationFailed (422)"
}

type ErrorClass = (new (...args: never) => Error) & { readonly _tag: string }

/** Every `Schema.TaggedError` class a package exports. */
const taggedErrors = (exports: Record<string, unknown>): ReadonlyArray<ErrorClass> =>
  Object.values(exports).filter(
    (value): value is ErrorClass =>
      typeof value === "function" &&
      value.prototype instanceof Error &&
      typeof (value as { _tag?: unknown })._tag === "string"
  )

const failures = [...taggedErrors(domain), ...taggedErrors(application)]
const rows = Object.entries(errorTable).flatMap(([answer, row]) =>
  row.failures.map((failure) => ({
    answer,
    status: row.status,
    code: row.code,
    failure: failure as ErrorClass
  }))
)

/** Any instance of the class, with fields as its schema generates them. */
const anInstance = (failure: ErrorClass): Error => {
  const [instance] = FastCheck.sample(Arbitrary.make(failure as unknown as Schema.Schema<Error>), 1)
  if (!(instance instanceof failure)) throw new Error(`no instance of ${failure._tag}`)
  return instance
}

/** The error schemas the API declares, as the server encodes failures with them (one union). */
const declared = (() => {
  const schemas = new Set<Schema.Schema.Any>()
  HttpApiSchema.deunionize(schemas, Api.errorSchema)
  for (const group of Object.values(Api.groups)) {
    HttpApiSchema.deunionize(schemas, group.errorSchema as Schema.Schema.Any)
    for (const endpoint of Object.values(group.endpoints))
      HttpApiSchema.deunionize(schemas, endpoint.errorSchema)
  }
  return [...schemas]
})()

describe("the HTTP error table", () => {
  it("finds the domain's failures by walking its exports", () => {
    const tags = failures.map((f) => f._tag)
    for (const tag of ["EmailNotFound", "DomainNotVerified", "IdempotencyKeyReused", "StoreUnavailable"])
      expect(tags).toContain(tag)
  })

  it("maps every failure of the domain and the ports, or says why it never reaches HTTP", () => {
    const mapped = new Set(rows.map((r) => r.failure._tag))
    const forgotten = failures.map((f) => f._tag).filter((tag) => !mapped.has(tag) && !(tag in NOT_OVER_HTTP))
    expect(forgotten).toEqual([])
    // And the exceptions are real, not mapped after all.
    for (const tag of Object.keys(NOT_OVER_HTTP)) {
      expect(mapped.has(tag), tag).toBe(false)
      expect(
        failures.some((f) => f._tag === tag),
        tag
      ).toBe(true)
    }
  })

  it("gives each failure one answer", () => {
    const tags = rows.map((r) => r.failure._tag)
    expect(new Set(tags).size).toBe(tags.length)
  })

  it("is what the single routes encode with: each failure matches one declared schema, with the row's status and code", () => {
    for (const row of rows) {
      const instance = anInstance(row.failure)
      const matching = declared.filter((schema) => Schema.is(Schema.typeSchema(schema))(instance))
      expect(matching, row.failure._tag).toHaveLength(1)
      const [schema] = matching
      if (schema === undefined) continue
      expect(HttpApiSchema.getStatusError(schema), row.failure._tag).toBe(row.status)
      const encoded = Schema.encodeUnknownSync(schema as Schema.Schema<unknown, { code: string }>)(instance)
      expect(encoded.code, row.failure._tag).toBe(row.code)
    }
  })

  it("answers the batch route from the same rows", () => {
    for (const row of rows) {
      expect(answerFor({ _tag: row.failure._tag })).toEqual({ status: row.status, code: row.code })
    }
    expect(answerFor({ _tag: "SomethingUnheardOf" })).toEqual({
      status: 500,
      code: "internal_error"
    })
  })

  it("keeps the contract's codes", () => {
    const codes = new Set(rows.map((r) => `${r.status} ${r.code}`))
    expect([...codes].sort()).toEqual([
      "400 github_sign_in_failed",
      "400 invalid_request",
      "400 invalid_signature",
      "401 unauthorized",
      "403 forbidden",
      "403 team_closed",
      "404 not_found",
      "409 conflict",
      "409 last_owner",
      "410 gone",
      "422 unprocessable_entity",
      "429 daily_limit_exceeded",
      "429 monthly_limit_exceeded",
      "429 rate_limit_exceeded",
      "429 send_limit_exceeded",
      "502 billing_unavailable",
      "502 github_unavailable",
      "503 billing_not_configured",
      "503 github_not_configured",
      "503 internal_error",
      "503 spam_scoring_not_configured"
    ])
  })
})
