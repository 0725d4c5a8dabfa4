import {
  type ChannelType,
  configEntries,
  parseChannelConfig,
  summarizeConfig,
  type TeamId,
  ValidationFailed,
  DomainNotFound,
  MailboxNotFound,
  NotificationChannelNotFound
} from "@poststack/domain"
import { Effect, Option, Redacted } from "effect"
import { DomainRepository } from "../../ports/DomainRepository.js"
import {
  type ChannelDomain,
  type NotificationChannelChanges,
  NotificationChannelRepository
} from "../../ports/NotificationChannelRepository.js"
import { NotificationSender } from "../../ports/NotificationSender.js"
import { SecretBox } from "../../ports/SecretBox.js"
import type { StoreUnavailable } from "../../ports/StoreUnavailable.js"
import { authorize, type Principal } from "../Principal.js"
import { openChannelConfig } from "./DeliverNotification.js"
import { recordAudit } from "../audit/RecordAudit.js"

const notFound = () => new NotificationChannelNotFound()

export const foundChannel = <A, R>(effect: Effect.Effect<Option.Option<A>, StoreUnavailable, R>) =>
  Effect.flatMap(effect, Option.match({ onNone: () => Effect.fail(notFound()), onSome: Effect.succeed }))

/** The team's own domain, by its numeric id; a channel cannot be limited to another team's. */
const channelDomain = Effect.fnUntraced(function* (teamId: TeamId, domainId: number | null) {
  if (domainId === null) return null
  const repo = yield* DomainRepository
  const domain = yield* repo.get(teamId, { _tag: "Numeric", id: domainId })
  if (Option.isNone(domain)) return yield* new DomainNotFound()
  return { id: domain.value.id, name: domain.value.name } satisfies ChannelDomain
})

/** This deployment hosts no mailboxes, so no mailbox id names one. */
const noMailbox = (mailboxId: number | null | undefined) =>
  mailboxId === null || mailboxId === undefined ? Effect.void : Effect.fail(new MailboxNotFound())

/** Checks a config (keys, formats, where its URL points) and seals it; answers it with its summary. */
const sealConfig = Effect.fnUntraced(function* (type: ChannelType, raw: Readonly<Record<string, string>>) {
  const parsed = parseChannelConfig(type, raw)
  if ("error" in parsed) return yield* new ValidationFailed({ message: parsed.error })
  const sender = yield* NotificationSender
  const { refused } = yield* sender.vet(Redacted.make(parsed.config))
  if (refused !== null) return yield* new ValidationFailed({ message: `config.webhookUrl: ${refused}` })
  const box = yield* SecretBox
  const sealed = yield* box.seal(Redacted.make(JSON.stringify(parsed.config)))
  return { sealed, summary: summarizeConfig(parsed.config) }
})

export const CreateNotificationChannel = Effect.fn("CreateNotificationChannel")(function* (
  principal: Principal,
  input: {
    readonly type: ChannelType
    readonly name: string
    readonly events: ReadonlyArray<string>
    readonly config: Readonly<Record<string, string>>
    readonly domainId: number | null
    readonly mailboxId: number | null
  }
) {
  const { teamId } = yield* authorize(principal, "notificationChannels")
  const domain = yield* channelDomain(teamId, input.domainId)
  yield* noMailbox(input.mailboxId)
  const { sealed, summary } = yield* sealConfig(input.type, input.config)
  const repo = yield* NotificationChannelRepository
  const channel = yield* repo.create(teamId, {
    type: input.type,
    name: input.name,
    events: [...new Set(input.events)],
    domain,
    configSealed: sealed,
    configSummary: summary
  })
  yield* recordAudit(
    principal,
    "notification_channel.created",
    { type: "notification_channel", id: channel.publicId },
    {
      channel_type: input.type,
      name: input.name
    }
  )
  return channel
})

export const ListNotificationChannels = Effect.fn("ListNotificationChannels")(function* (
  principal: Principal
) {
  const { teamId } = yield* authorize(principal, "notificationChannels")
  return yield* Effect.flatMap(NotificationChannelRepository, (repo) => repo.list(teamId))
})

export const GetNotificationChannel = Effect.fn("GetNotificationChannel")(function* (
  principal: Principal,
  publicId: string
) {
  const { teamId } = yield* authorize(principal, "notificationChannels")
  return yield* foundChannel(
    Effect.flatMap(NotificationChannelRepository, (repo) => repo.get(teamId, publicId))
  )
})

/** A partial update; `config` keys are merged over the stored ones, and the result checked whole. */
export const UpdateNotificationChannel = Effect.fn("UpdateNotificationChannel")(function* (
  principal: Principal,
  publicId: string,
  input: {
    readonly name?: string
    readonly events?: ReadonlyArray<string>
    readonly domainId?: number | null
    readonly mailboxId?: number | null
    readonly enabled?: boolean
    readonly config?: Readonly<Record<string, string>>
  }
) {
  const { teamId } = yield* authorize(principal, "notificationChannels")
  const repo = yield* NotificationChannelRepository
  // A foreign or unknown id is 404 before anything else is judged, so nothing is learned about it.
  const channel = yield* foundChannel(repo.get(teamId, publicId))
  yield* noMailbox(input.mailboxId)
  let config: NotificationChannelChanges["config"]
  if (input.config !== undefined) {
    const stored = yield* foundChannel(repo.sealedConfig(teamId, publicId))
    const opened = yield* openChannelConfig(stored)
    const current = Option.match(opened, {
      onNone: () => ({}),
      onSome: (c) => configEntries(Redacted.value(c))
    })
    config = yield* sealConfig(channel.type, { ...current, ...input.config })
  }
  const changes: NotificationChannelChanges = {
    ...(input.name === undefined ? {} : { name: input.name }),
    ...(input.events === undefined ? {} : { events: [...new Set(input.events)] }),
    ...(input.domainId === undefined ? {} : { domain: yield* channelDomain(teamId, input.domainId) }),
    ...(input.enabled === undefined ? {} : { active: input.enabled }),
    ...(config === undefined ? {} : { config })
  }
  const updated = yield* foundChannel(repo.update(teamId, publicId, changes))
  // Which fields changed, never the config's values: they are the channel's secrets.
  yield* recordAudit(
    principal,
    "notification_channel.updated",
    { type: "notification_channel", id: publicId },
    {
      changed: Object.keys(input).sort().join(",")
    }
  )
  return updated
})

export const DeleteNotificationChannel = Effect.fn("DeleteNotificationChannel")(function* (
  principal: Principal,
  publicId: string
) {
  const { teamId } = yield* authorize(principal, "notificationChannels")
  const repo = yield* NotificationChannelRepository
  if (!(yield* repo.delete(teamId, publicId))) return yield* notFound()
  yield* recordAudit(principal, "notification_channel.deleted", {
    type: "notification_channel",
    id: publicId
  })
})
