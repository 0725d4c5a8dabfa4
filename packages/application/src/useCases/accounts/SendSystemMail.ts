import { canSend, domainOf, formatMailbox } from "@poststack/domain"
import { Array as Arr, Effect, Either, Option } from "effect"
import { Digest } from "../../ports/Digest.js"
import { DomainRepository } from "../../ports/DomainRepository.js"
import { EmailRepository } from "../../ports/EmailRepository.js"
import { SystemMailSettings } from "../../ports/SystemMailSettings.js"
import { TeamRepository } from "../../ports/TeamRepository.js"

export interface SystemMessage {
  readonly to: string
  readonly subject: string
  readonly text: string
}

const BY_HAND = "`poststack users verify <address>` confirms an account's address by hand"

interface NoSender {
  readonly why: string
  readonly domain?: string
}

/** Where system mail comes from, or why none can be sent. */
const systemSender = Effect.gen(function* () {
  const settings = yield* SystemMailSettings
  if (Option.isNone(settings.from)) return Either.left<NoSender>({ why: "POSTSTACK_SYSTEM_FROM is not set" })
  const from = settings.from.value
  const team = Arr.head(yield* (yield* TeamRepository).list())
  if (Option.isNone(team)) return Either.left<NoSender>({ why: "no team exists yet" })
  const domainName = domainOf(from.address)
  const domain = yield* (yield* DomainRepository).findByName(team.value.id, domainName)
  if (Option.isNone(domain) || !canSend(domain.value))
    return Either.left<NoSender>({
      why: "the POSTSTACK_SYSTEM_FROM domain is not verified",
      domain: domainName
    })
  return Either.right({ from, team: team.value, domain: domain.value, domainName })
})

/**
 * Whether the product's own mails can go out now: what a page that promises one may say. The same
 * for every address, so it tells nothing about accounts.
 */
export const SystemMailReady = systemSender.pipe(
  Effect.map(Either.isRight),
  Effect.catchTag("StoreUnavailable", () => Effect.succeed(false))
)

/**
 * Sends one of the product's own mails (verification, reset, security notice, invitation) through
 * the same pipeline as customers' mail: accepted as an email of the first team (the operator's,
 * made at bootstrap) from `POSTSTACK_SYSTEM_FROM`, whose domain must be a verified domain of
 * that team; the worker delivers it. It is marked `system`: that team's reads, webhooks and
 * channels never see it, and its body is wiped once delivered. Opens and clicks are never tracked
 * (the links carry secrets). When system mail is not set up, nothing is sent and a warning says why, naming no
 * recipient and no link. It never fails its caller: an account action does not depend on mail.
 */
export const SendSystemMail = Effect.fn("SendSystemMail")(
  function* (message: SystemMessage) {
    const sender = yield* systemSender
    if (Either.isLeft(sender))
      return yield* Effect.logWarning(`system mail not sent: ${sender.left.why}; ${BY_HAND}`).pipe(
        Effect.annotateLogs(sender.left.domain === undefined ? {} : { domain: sender.left.domain })
      )
    const { from, team, domain, domainName } = sender.right
    const digest = yield* Digest
    yield* (yield* EmailRepository).accept({
      teamId: team.id,
      apiKeyId: null,
      domainId: domain.id,
      domainName,
      fromAddress: from.address,
      fromName: from.name,
      recipients: [{ address: message.to, kind: "to" }],
      replyTo: [],
      subject: message.subject,
      html: null,
      text: message.text,
      headers: {},
      tags: ["poststack-system"],
      attachments: [],
      rawMime: null,
      messageId: null,
      testMode: false,
      unsubscribe: false,
      trackOpens: false,
      trackClicks: false,
      scheduledAt: null,
      idempotencyKey: null,
      requestHash: digest.sha256(`${formatMailbox(from)}\n${message.to}\n${message.subject}`),
      system: true
    })
  },
  Effect.catchTag("StoreUnavailable", () =>
    Effect.logWarning("system mail not sent: the database is unavailable")
  )
)
