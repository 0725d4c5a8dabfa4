import {
  maskSecret,
  ValidationFailed,
  type Webhook,
  type WebhookId,
  WebhookNotFound
} from "@poststack/domain"
import { Clock, Effect, Option, Redacted } from "effect"
import { authorize, type Principal } from "../Principal.js"
import type { StoreUnavailable } from "../../ports/StoreUnavailable.js"
import { SecretBox } from "../../ports/SecretBox.js"
import { type WebhookChanges, WebhookRepository } from "../../ports/WebhookRepository.js"
import { WebhookSigner } from "../../ports/WebhookSigner.js"
import { WebhookTransport } from "../../ports/WebhookTransport.js"
import { recordAudit } from "../audit/RecordAudit.js"

const notFound = () => new WebhookNotFound()

export const found = <A, R>(effect: Effect.Effect<Option.Option<A>, StoreUnavailable, R>) =>
  Effect.flatMap(effect, Option.match({ onNone: () => Effect.fail(notFound()), onSome: Effect.succeed }))

/** Refuses URLs that are not http(s) or point at an address webhooks may not reach. */
const vetUrl = Effect.fn("VetWebhookUrl")(function* (url: string) {
  const transport = yield* WebhookTransport
  const { refused } = yield* transport.vet(url)
  if (refused !== null) return yield* new ValidationFailed({ message: refused })
})

const newSecret = Effect.gen(function* () {
  const secret = yield* Effect.flatMap(WebhookSigner, (s) => s.newSecret)
  const sealed = yield* Effect.flatMap(SecretBox, (box) => box.seal(secret))
  return { secret, sealed, prefix: maskSecret(Redacted.value(secret)) }
})

export interface WebhookWithSecret {
  readonly webhook: Webhook
  /** Shown once; afterwards only its prefix. */
  readonly secret: Redacted.Redacted<string>
}

export const CreateWebhook = Effect.fn("CreateWebhook")(function* (
  principal: Principal,
  input: { readonly url: string; readonly events: ReadonlyArray<string>; readonly description: string | null }
) {
  const { teamId } = yield* authorize(principal, "webhooks")
  yield* vetUrl(input.url)
  const { secret, sealed, prefix } = yield* newSecret
  const repo = yield* WebhookRepository
  const webhook = yield* repo.create(teamId, {
    url: input.url,
    events: [...new Set(input.events)],
    description: input.description,
    secretSealed: sealed,
    secretPrefix: prefix
  })
  yield* recordAudit(
    principal,
    "webhook.created",
    { type: "webhook", id: webhook.id },
    {
      events: webhook.events.join(",")
    }
  )
  return { webhook, secret } satisfies WebhookWithSecret
})

export const ListWebhooks = Effect.fn("ListWebhooks")(function* (principal: Principal) {
  const { teamId } = yield* authorize(principal, "webhooks")
  return yield* Effect.flatMap(WebhookRepository, (repo) => repo.list(teamId))
})

export const GetWebhook = Effect.fn("GetWebhook")(function* (principal: Principal, id: WebhookId) {
  const { teamId } = yield* authorize(principal, "webhooks")
  return yield* found(Effect.flatMap(WebhookRepository, (repo) => repo.get(teamId, id)))
})

export const UpdateWebhook = Effect.fn("UpdateWebhook")(function* (
  principal: Principal,
  id: WebhookId,
  changes: WebhookChanges
) {
  const { teamId } = yield* authorize(principal, "webhooks")
  const repo = yield* WebhookRepository
  // A foreign or unknown id is 404 before the URL is judged, so nothing is learned about it.
  yield* found(repo.get(teamId, id))
  if (changes.url !== undefined) yield* vetUrl(changes.url)
  const events = changes.events === undefined ? {} : { events: [...new Set(changes.events)] }
  const updated = yield* found(repo.update(teamId, id, { ...changes, ...events }))
  // Which fields changed, never their values: a URL may carry a token.
  yield* recordAudit(
    principal,
    "webhook.updated",
    { type: "webhook", id },
    {
      changed: Object.keys(changes).sort().join(",")
    }
  )
  return updated
})

export const DeleteWebhook = Effect.fn("DeleteWebhook")(function* (principal: Principal, id: WebhookId) {
  const { teamId } = yield* authorize(principal, "webhooks")
  const repo = yield* WebhookRepository
  if (!(yield* repo.delete(teamId, id))) return yield* notFound()
  yield* recordAudit(principal, "webhook.deleted", { type: "webhook", id })
})

/** A new secret; the old one keeps signing beside it for `graceHours` (none when 0). */
export const RotateWebhookSecret = Effect.fn("RotateWebhookSecret")(function* (
  principal: Principal,
  id: WebhookId,
  graceHours: number
) {
  const { teamId } = yield* authorize(principal, "webhooks")
  const repo = yield* WebhookRepository
  yield* found(repo.get(teamId, id))
  const { secret, sealed, prefix } = yield* newSecret
  const now = yield* Clock.currentTimeMillis
  const previousExpiresAt = graceHours > 0 ? new Date(now + graceHours * 3_600_000) : null
  const webhook = yield* found(repo.rotateSecret(teamId, id, { sealed, prefix }, previousExpiresAt))
  yield* recordAudit(
    principal,
    "webhook.updated",
    { type: "webhook", id },
    { changed: "secret", grace_hours: graceHours }
  )
  return { webhook, secret } satisfies WebhookWithSecret
})
