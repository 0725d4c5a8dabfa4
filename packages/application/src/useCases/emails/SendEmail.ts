import {
  firstPerAddress,
  type ApiKey,
  canSend,
  domainOf,
  formatMailbox,
  DomainNotVerified,
  IdempotencyKeyReused,
  PermissionDenied,
  type SendRequest,
  textProblem,
  ValidationFailed,
  validateSend
} from "@poststack/domain"
import { Clock, Effect, Option } from "effect"
import { asOperator, authorize, inScope, viaApiKey } from "../Principal.js"
import { Digest } from "../../ports/Digest.js"
import { DomainRepository } from "../../ports/DomainRepository.js"
import { type AcceptResult, EmailRepository, type NewEmail } from "../../ports/EmailRepository.js"
import type { StoreUnavailable } from "../../ports/StoreUnavailable.js"
import { AdmitSend } from "../billing/AdmitSend.js"

export interface SendResult {
  readonly id: string
  readonly replayed: boolean
  readonly testMode: boolean
}

/** Where an idempotency key came from: the body's key is the team's; the header's is the API key's own. */
export type IdempotencyKey = { readonly source: "body" | "header"; readonly key: string }

/** A message submitted as MIME (the SMTP relay): delivered as given, with its own Message-ID. */
export interface RawSubmission {
  readonly bytes: Uint8Array
  readonly messageId: string
}

const byLocale = (a: string, b: string) => a.localeCompare(b)

/** An array index as a property name: objects list these first, in numeric order. */
const INDEX = /^(?:0|[1-9]\d{0,9})$/
const isIndex = (key: string) => INDEX.test(key) && Number(key) < 4294967295

/**
 * An object's keys in the order `JSON.stringify` writes an object built from them sorted: names
 * that are array indexes first (an object always lists those first, by number), then the rest by
 * `localeCompare`.
 */
const sortKeys = (keys: Array<string>): ReadonlyArray<string> => {
  keys.sort(byLocale)
  if (!keys.some(isIndex)) return keys
  return [
    ...keys.filter(isIndex).sort((a, b) => Number(a) - Number(b)),
    ...keys.filter((key) => !isIndex(key))
  ]
}

// Requests come in a few shapes (the same keys in the same order), so each shape is sorted once.
const sortedByShape = new Map<string, ReadonlyArray<string>>()
const MAX_SHAPES = 256

const sortedKeys = (object: object): ReadonlyArray<string> => {
  const keys = Object.keys(object)
  const shape = JSON.stringify(keys)
  const known = sortedByShape.get(shape)
  if (known !== undefined) return known
  const sorted = sortKeys(keys)
  if (sortedByShape.size >= MAX_SHAPES) sortedByShape.clear()
  sortedByShape.set(shape, sorted)
  return sorted
}

/**
 * JSON with sorted keys, so the same request always prints (and hashes) the same. Written by hand
 * (for every key and value, `JSON.stringify` with a sorting replacer cost about as much as the
 * hash and the rest of validation), to the very text that replacer gave: stored request hashes
 * must keep matching their retries. `test/emails/canonicalJson.test.ts` holds the two equal.
 */
export const canonicalJson = (value: unknown): string | undefined => {
  const write = (holder: unknown, key: string): string | undefined => {
    let v = holder
    if (v !== null && (typeof v === "object" || typeof v === "bigint")) {
      const toJSON = (v as { toJSON?: unknown }).toJSON
      if (typeof toJSON === "function") v = toJSON.call(v, key)
    }
    if (v === null || typeof v !== "object") return JSON.stringify(v)
    if (v instanceof Number || v instanceof String || v instanceof Boolean) return JSON.stringify(v)
    if (Array.isArray(v)) {
      let out = "["
      for (let i = 0; i < v.length; i++) out += `${i === 0 ? "" : ","}${write(v[i], String(i)) ?? "null"}`
      return `${out}]`
    }
    const record = v as Record<string, unknown>
    let out = "{"
    let first = true
    for (const k of sortedKeys(record)) {
      const s = write(record[k], k)
      if (s === undefined) continue
      out += `${first ? "" : ","}${JSON.stringify(k)}:${s}`
      first = false
    }
    return `${out}}`
  }
  return write(value, "")
}

const canonical = (value: unknown): string => canonicalJson(value) ?? ""

/**
 * A send with no API key behind it: the team's own automations (workflows). It reaches every
 * domain of the team, is recorded with no key, and takes idempotency keys from the body only.
 */
export interface TeamSender {
  readonly _tag: "TeamSender"
  readonly teamId: ApiKey["teamId"]
  readonly mode: ApiKey["mode"]
}

const isTeamSender = (caller: ApiKey | TeamSender): caller is TeamSender =>
  (caller as Partial<TeamSender>)._tag === "TeamSender"

/** The answer to a request whose idempotency key names an email already stored. */
const answerExisting = (
  existing: { readonly publicId: string; readonly requestHash: string | null },
  requestHash: string | null,
  caller: ApiKey | TeamSender
) =>
  existing.requestHash !== requestHash
    ? Effect.fail(new IdempotencyKeyReused({ publicId: existing.publicId }))
    : Effect.succeed<SendResult>({ id: existing.publicId, replayed: true, testMode: caller.mode === "test" })

/**
 * The request as compared with a retry under the same idempotency key (attachments by digest). A
 * test-mode send counts its mode in: a body key is the team's, so a live key reusing a test send's
 * key is refused as a different request instead of answered with an email that was only simulated
 * (and the other way round). A live send's hash is what it always was.
 */
const hashOf = (request: SendRequest, mode: ApiKey["mode"]) =>
  Effect.map(Digest, (digest) =>
    digest.sha256(
      canonical({
        ...request,
        attachments: request.attachments.map((a) => ({ ...a, content: digest.sha256Bytes(a.content) })),
        ...(mode === "test" ? { mode } : {})
      })
    )
  )

type Recipient = { readonly address: string; readonly kind: "to" | "cc" | "bcc" }

/**
 * A send checked and admitted, ready to be written: by the email store (`SendEmail`), or by a
 * caller that writes it in one unit of work with rows of its own (a workflow's send step).
 */
export interface PreparedSend {
  readonly email: NewEmail
  /** Settles the place held under the plan's limits once the write is done: `accepted` or not. */
  readonly settle: (accepted: boolean) => Effect.Effect<void>
  /** The answer to the request, given what the write did. */
  readonly answer: (result: AcceptResult) => Effect.Effect<SendResult, IdempotencyKeyReused>
}

/**
 * Every rule of a send up to its write: validates it, checks the sender's domain is the team's,
 * verified and inside the key's scope, and admits it under the plan. Answers the `SendResult`
 * itself when a refused retry finds its email already accepted (see `SendEmail`).
 */
export const PrepareSend = Effect.fnUntraced(function* (
  caller: ApiKey | TeamSender,
  request: SendRequest,
  idempotency: IdempotencyKey | null,
  raw: RawSubmission | null = null
) {
  const now = new Date(yield* Clock.currentTimeMillis)
  const valid = validateSend(request, now)
  if (typeof valid === "string") return yield* new ValidationFailed({ message: valid })
  const keyProblem = idempotency === null ? undefined : textProblem(idempotency.key)
  if (keyProblem !== undefined)
    return yield* new ValidationFailed({ message: `idempotency_key ${keyProblem}` })

  const domainName = domainOf(valid.from.address)
  const domains = yield* DomainRepository
  const scope = yield* authorize(
    isTeamSender(caller) ? asOperator(caller.teamId) : viaApiKey(caller),
    "emails.send"
  )
  const domain = yield* domains.findByName(scope.teamId, domainName)
  // Checked first, so a scoped key learns nothing of the team's other domains.
  if (scope.domainId !== null && (Option.isNone(domain) || !inScope(scope, domain.value.id))) {
    return yield* new PermissionDenied({
      message: `This API key may only send from its own domain, not ${domainName}`
    })
  }
  if (Option.isNone(domain) || !canSend(domain.value)) {
    return yield* new DomainNotVerified({ domain: domainName })
  }

  // One delivery per address: the first mention wins (so To before Cc before Bcc).
  const recipients = firstPerAddress<Recipient>([
    ...valid.to.map((m) => ({ address: m.address, kind: "to" as const })),
    ...valid.cc.map((m) => ({ address: m.address, kind: "cc" as const })),
    ...valid.bcc.map((m) => ({ address: m.address, kind: "bcc" as const }))
  ])
  const key =
    idempotency === null
      ? null
      : idempotency.source === "body"
        ? `b:${idempotency.key}`
        : `h:${isTeamSender(caller) ? "team" : caller.id}:${idempotency.key}`
  // The hash only ever meets a retry under the same key: a request without one is not hashed.
  const requestHash = key === null ? null : yield* hashOf(request, caller.mode)
  const emails = yield* EmailRepository
  const replayOr = <E>(refusal: E): Effect.Effect<SendResult, E | IdempotencyKeyReused | StoreUnavailable> =>
    key === null
      ? Effect.fail(refusal)
      : Effect.flatMap(
          emails.findByIdempotencyKey(caller.teamId, key),
          (prior): Effect.Effect<SendResult, E | IdempotencyKeyReused> =>
            Option.isSome(prior) ? answerExisting(prior.value, requestHash, caller) : Effect.fail(refusal)
        )
  // Entitlement: the plan's limits and the team's payments, checked last so a refused send
  // costs nothing before it; a held place is settled whatever the commit does. A refused retry of
  // an email already accepted gets its first answer instead, whatever the limits say now: it sends
  // nothing more. The lookup runs only on a refusal, so accepted sends pay no round trip for it
  // (two first tries racing both reach `accept`, which stores one).
  const admission = yield* AdmitSend(caller.teamId, caller.mode === "test", now).pipe(
    Effect.catchTags({
      MonthlyLimitExceeded: (refusal) => replayOr(refusal),
      DailyLimitExceeded: (refusal) => replayOr(refusal),
      SendLimitExceeded: (refusal) => replayOr(refusal)
    })
  )
  if ("id" in admission) return admission
  const email: NewEmail = {
    teamId: caller.teamId,
    apiKeyId: isTeamSender(caller) ? null : caller.id,
    domainId: domain.value.id,
    domainName,
    fromAddress: valid.from.address,
    fromName: valid.from.name,
    recipients,
    replyTo: valid.replyTo.map(formatMailbox),
    subject: request.subject,
    html: request.html,
    text: request.text,
    headers: request.headers,
    tags: request.tags,
    // A raw message carries its attachments inside; they were validated above but are not stored twice.
    attachments: raw === null ? request.attachments : [],
    rawMime: raw?.bytes ?? null,
    messageId: raw?.messageId ?? null,
    testMode: caller.mode === "test",
    unsubscribe: request.unsubscribe,
    trackOpens: request.tracking.opens ?? domain.value.openTracking,
    trackClicks: request.tracking.clicks ?? domain.value.clickTracking,
    scheduledAt: request.scheduledAt !== null && request.scheduledAt > now ? request.scheduledAt : null,
    idempotencyKey: key,
    requestHash,
    system: false,
    quotaHold: admission.hold
  }
  return {
    email,
    settle: admission.settle,
    answer: (result: AcceptResult) =>
      result._tag === "Existing"
        ? answerExisting(result, requestHash, caller)
        : Effect.succeed<SendResult>({
            id: result.publicId,
            replayed: false,
            testMode: caller.mode === "test"
          })
  } satisfies PreparedSend
})

/**
 * Accepts one email: validates it, checks the sender's domain is the team's, verified and inside
 * the key's scope, honours idempotency, and commits the email and its deliveries before
 * answering; `EmailRepository.accept` marks suppressed recipients in the same commit. Test keys
 * run the same path.
 */
// Untraced: it runs on every API request, and Effect.fn's span and stack capture cost about a
// seventh of the server's CPU per accepted email (bench/send-api.ts) while no exporter reads them.
export const SendEmail = Effect.fnUntraced(function* (
  caller: ApiKey | TeamSender,
  request: SendRequest,
  idempotency: IdempotencyKey | null,
  raw: RawSubmission | null = null
) {
  const prepared = yield* PrepareSend(caller, request, idempotency, raw)
  if (!("email" in prepared)) return prepared
  const result = yield* (yield* EmailRepository)
    .accept(prepared.email)
    .pipe(Effect.onExit((exit) => prepared.settle(exit._tag === "Success" && exit.value._tag !== "Existing")))
  return yield* prepared.answer(result)
})
