import {
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
import { authorize, inScope, viaApiKey } from "../Principal.js"
import { Digest } from "../../ports/Digest.js"
import { DomainRepository } from "../../ports/DomainRepository.js"
import { EmailRepository } from "../../ports/EmailRepository.js"
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

/** JSON with sorted keys, so the same request always prints (and hashes) the same. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))
        )
      : v
  )

/** The answer to a request whose idempotency key names an email already stored. */
const answerExisting = (
  existing: { readonly publicId: string; readonly requestHash: string | null },
  requestHash: string,
  caller: ApiKey
) =>
  existing.requestHash !== requestHash
    ? Effect.fail(new IdempotencyKeyReused({ publicId: existing.publicId }))
    : Effect.succeed<SendResult>({ id: existing.publicId, replayed: true, testMode: caller.mode === "test" })

type Recipient = { readonly address: string; readonly kind: "to" | "cc" | "bcc" }

/**
 * One delivery per address, however often a request names it: addresses are compared without
 * regard to case, and the first mention wins (so To before Cc before Bcc), with its spelling.
 */
const distinctRecipients = (all: ReadonlyArray<Recipient>): ReadonlyArray<Recipient> => {
  const seen = new Set<string>()
  return all.filter((r) => {
    const key = r.address.toLowerCase()
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/**
 * Accepts one email: validates it, checks the sender's domain is the team's, verified and inside
 * the key's scope, honours idempotency, and commits the email and its deliveries before
 * answering; `EmailRepository.accept` marks suppressed recipients in the same commit. Test keys
 * run the same path.
 */
// Untraced: it runs on every API request, and Effect.fn's span and stack capture cost about a
// seventh of the server's CPU per accepted email (bench/send-api.ts) while no exporter reads them.
export const SendEmail = Effect.fnUntraced(function* (
  caller: ApiKey,
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
  const scope = yield* authorize(viaApiKey(caller), "emails.send")
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

  const recipients = distinctRecipients([
    ...valid.to.map((m) => ({ address: m.address, kind: "to" as const })),
    ...valid.cc.map((m) => ({ address: m.address, kind: "cc" as const })),
    ...valid.bcc.map((m) => ({ address: m.address, kind: "bcc" as const }))
  ])
  const digest = yield* Digest
  const requestHash = digest.sha256(
    canonical({
      ...request,
      attachments: request.attachments.map((a) => ({ ...a, content: digest.sha256Bytes(a.content) }))
    })
  )
  const key =
    idempotency === null
      ? null
      : idempotency.source === "body"
        ? `b:${idempotency.key}`
        : `h:${caller.id}:${idempotency.key}`
  const emails = yield* EmailRepository
  // A retry of an email already accepted gets its first answer, whatever the team's limits say
  // now: it sends nothing more. (Two first tries racing both reach `accept`, which stores one.)
  if (key !== null) {
    const prior = yield* emails.findByIdempotencyKey(caller.teamId, key)
    if (Option.isSome(prior)) return yield* answerExisting(prior.value, requestHash, caller)
  }
  // Entitlement: the plan's limits and the team's payments, checked last so a refused send
  // costs nothing before it; a held place is settled whatever the commit does.
  const admission = yield* AdmitSend(caller.teamId, caller.mode === "test", now)
  const result = yield* emails
    .accept({
      teamId: caller.teamId,
      apiKeyId: caller.id,
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
    })
    .pipe(
      Effect.onExit((exit) => admission.settle(exit._tag === "Success" && exit.value._tag !== "Existing"))
    )
  if (result._tag === "Existing") return yield* answerExisting(result, requestHash, caller)
  return { id: result.publicId, replayed: false, testMode: caller.mode === "test" } satisfies SendResult
})
