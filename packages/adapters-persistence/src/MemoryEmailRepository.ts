import {
  type AcceptResult,
  DomainRepository,
  EmailRepository,
  type EmailForDelivery,
  type LifecycleWrite,
  type NewEmail,
  SuppressionList
} from "@poststack/application"
import {
  aggregateStatus,
  type AttachmentInput,
  type DeliveryState,
  type EmailEvent,
  EmailEventId,
  type EmailEventType,
  EmailId,
  type EmailProgress,
  type EmailRecord,
  type EmailStatus,
  type TeamId
} from "@poststack/domain"
import { Effect, Layer, Option } from "effect"
import { listEmails } from "./MemoryEmailList.js"

interface StoredDelivery {
  readonly id: number
  readonly recipient: string
  status: string
  nextAttemptAt: Date
  readonly createdAt: Date
}

interface StoredEmail {
  record: EmailRecord
  readonly htmlBody: string | null
  readonly textBody: string | null
  readonly attachments: ReadonlyArray<AttachmentInput>
  readonly rawMime: Uint8Array | null
  readonly trackOpens: boolean
  readonly trackClicks: boolean
  readonly idempotencyKey: string | null
  readonly requestHash: string | null
  readonly system: boolean
  readonly deliveries: Array<StoredDelivery>
  readonly events: Array<EmailEvent>
}

/** The email's progress as the lifecycle rules read it. */
const progressOf = (stored: StoredEmail): EmailProgress => ({
  status: stored.record.status,
  deliveries: stored.deliveries.map((d) => d.status as DeliveryState)
})

const hex = () => crypto.randomUUID().replaceAll("-", "")

/**
 * Emails in process memory, for use-case tests and tools; the same contract suite runs against
 * `PgEmailRepository`. Built on the `SuppressionList` and `DomainRepository` it is given (their
 * memory twins in tests), as the SQL reads those tables. Deliveries stay where acceptance put them
 * (no queue twin yet), so `placementRows` finds none; emails carry no dedicated IP address.
 */
export const make = Effect.gen(function* () {
  const suppressions = yield* SuppressionList
  const domains = yield* DomainRepository
  const emails = new Map<string, StoredEmail>()
  let nextId = 1

  const owned = (teamId: TeamId, publicId: string) => {
    const stored = emails.get(publicId)
    return stored !== undefined && stored.record.teamId === teamId && !stored.system ? stored : undefined
  }
  const addEvent = (stored: StoredEmail, eventType: EmailEventType, metadata: Record<string, unknown>) =>
    stored.events.push({
      id: EmailEventId.make(nextId++),
      emailId: stored.record.id,
      eventType,
      metadata: JSON.parse(JSON.stringify(metadata)) as Record<string, unknown>,
      createdAt: new Date(),
      reader: { clientName: null, clientType: null, os: null, deviceType: null, isPrefetch: false },
      location: { country: null, region: null, city: null }
    })
  const setStatus = (stored: StoredEmail, status: EmailStatus) => {
    stored.record = { ...stored.record, status }
  }

  const accept = (email: NewEmail) =>
    Effect.gen(function* () {
      if (email.idempotencyKey !== null) {
        const existing = [...emails.values()].find(
          (e) => e.record.teamId === email.teamId && e.idempotencyKey === email.idempotencyKey
        )
        if (existing !== undefined)
          return {
            _tag: "Existing",
            publicId: existing.record.publicId,
            requestHash: existing.requestHash
          } satisfies AcceptResult
      }
      // A system mail is stopped by no suppression list: its team's list is not the person's.
      const listed = email.system
        ? new Map<string, never>()
        : yield* suppressions.reasons(
            email.teamId,
            email.recipients.map((r) => r.address)
          )
      const now = new Date()
      const firstStatus = email.scheduledAt === null ? "queued" : "scheduled"
      const deliveries = email.recipients.map(
        (r): StoredDelivery => ({
          id: nextId++,
          recipient: r.address,
          status: listed.has(r.address.toLowerCase()) ? "suppressed" : firstStatus,
          nextAttemptAt: email.scheduledAt ?? now,
          createdAt: now
        })
      )
      const byKind = (kind: "to" | "cc" | "bcc") =>
        email.recipients.filter((r) => r.kind === kind).map((r) => r.address)
      const record: EmailRecord = {
        id: EmailId.make(nextId++),
        publicId: `em_${hex()}`,
        teamId: email.teamId,
        domainId: email.domainId,
        fromAddress: email.fromAddress,
        fromName: email.fromName,
        toAddresses: byKind("to"),
        ccAddresses: byKind("cc"),
        bccAddresses: byKind("bcc"),
        replyTo: email.replyTo,
        subject: email.subject,
        headers: email.headers,
        tags: email.tags,
        status: deliveries.some((d) => d.status !== "suppressed")
          ? email.scheduledAt === null
            ? aggregateStatus(["queued"])
            : "scheduled"
          : aggregateStatus(["suppressed"]),
        testMode: email.testMode,
        unsubscribeEnabled: email.unsubscribe,
        scheduledAt: email.scheduledAt,
        sentAt: null,
        createdAt: now,
        messageId: email.messageId ?? `<${crypto.randomUUID()}@${email.domainName}>`
      }
      const stored: StoredEmail = {
        record,
        htmlBody: email.html,
        textBody: email.text,
        attachments: email.attachments,
        rawMime: email.rawMime,
        trackOpens: email.trackOpens,
        trackClicks: email.trackClicks,
        idempotencyKey: email.idempotencyKey,
        requestHash: email.requestHash,
        system: email.system,
        deliveries,
        events: []
      }
      addEvent(stored, firstStatus, email.scheduledAt === null ? {} : { scheduled_at: email.scheduledAt })
      for (const d of deliveries) {
        const entry = listed.get(d.recipient.toLowerCase())
        if (entry !== undefined)
          addEvent(stored, "suppressed", {
            recipient: d.recipient,
            reason: entry.reason,
            suppression_id: entry.id
          })
      }
      emails.set(record.publicId, stored)
      return { _tag: "Created", publicId: record.publicId } satisfies AcceptResult
    })

  return EmailRepository.of({
    accept,
    findByIdempotencyKey: (teamId, key) =>
      Effect.sync(() => {
        const found = [...emails.values()].find((e) => e.record.teamId === teamId && e.idempotencyKey === key)
        return found === undefined
          ? Option.none()
          : Option.some({ publicId: found.record.publicId, requestHash: found.requestHash })
      }),
    list: (teamId, filter, page, perPage) =>
      Effect.sync(() =>
        listEmails(
          [...emails.values()].filter((e) => !e.system),
          teamId,
          filter,
          page,
          perPage
        )
      ),
    get: (teamId, publicId) =>
      Effect.sync(() =>
        Option.map(Option.fromNullable(owned(teamId, publicId)), (s) => ({
          ...s.record,
          htmlBody: s.htmlBody,
          textBody: s.textBody
        }))
      ),
    events: (teamId, publicId) =>
      Effect.sync(() => Option.map(Option.fromNullable(owned(teamId, publicId)), (s) => [...s.events])),
    cancel: (teamId, publicId, allowed) =>
      Effect.sync((): LifecycleWrite => {
        const stored = owned(teamId, publicId)
        if (stored === undefined) return { _tag: "NotFound" }
        const progress = progressOf(stored)
        if (!allowed(progress)) return { _tag: "Refused", progress }
        for (const d of stored.deliveries)
          if (d.status === "scheduled" || d.status === "queued") d.status = "cancelled"
        setStatus(stored, "cancelled")
        addEvent(stored, "cancelled", {})
        return { _tag: "Written" }
      }),
    placementRows: (domainId, since) =>
      Effect.sync(() =>
        [...emails.values()]
          .filter((s) => s.record.domainId === domainId && !s.record.testMode && !s.system)
          .flatMap((s) => s.deliveries)
          .filter(
            (d) =>
              d.createdAt.getTime() >= since.getTime() &&
              ["delivered", "deferred", "bounced", "failed"].includes(d.status)
          )
          .map((d) => ({
            recipientDomain: d.recipient.slice(d.recipient.lastIndexOf("@") + 1),
            status: d.status,
            complained: false,
            lastReply: null,
            at: d.nextAttemptAt
          }))
      ),
    loadForDelivery: (emailIds) =>
      Effect.gen(function* () {
        const loaded = new Map<EmailId, EmailForDelivery>()
        for (const stored of emails.values()) {
          if (!emailIds.includes(stored.record.id)) continue
          const found = yield* domains.get(stored.record.teamId, {
            _tag: "Numeric",
            id: stored.record.domainId
          })
          if (Option.isNone(found)) continue
          const domain = found.value
          const trackingVerified = domain.dnsRecords.some(
            (r) => r.purpose === "tracking" && r.status === "verified" && r.name === domain.trackingDomain
          )
          loaded.set(stored.record.id, {
            record: stored.record,
            htmlBody: stored.htmlBody,
            textBody: stored.textBody,
            attachments: stored.attachments,
            rawMime: stored.rawMime,
            domainName: domain.name,
            returnPathHost: `${domain.returnPathLabel}.${domain.name}`,
            localAddress: null,
            trackOpens: stored.trackOpens,
            trackClicks: stored.trackClicks,
            trackingDomain: trackingVerified ? domain.trackingDomain : null,
            tlsMode: domain.tlsMode
          })
        }
        return loaded
      }),
    reschedule: (teamId, publicId, at, allowed) =>
      Effect.sync((): LifecycleWrite => {
        const stored = owned(teamId, publicId)
        if (stored === undefined) return { _tag: "NotFound" }
        const progress = progressOf(stored)
        if (!allowed(progress)) return { _tag: "Refused", progress }
        for (const d of stored.deliveries) if (d.status === "scheduled") d.nextAttemptAt = at
        stored.record = { ...stored.record, scheduledAt: at }
        addEvent(stored, "scheduled", { scheduled_at: at, rescheduled: true })
        return { _tag: "Written" }
      })
  })
})

/** Needs a `SuppressionList` and a `DomainRepository` (their memory twins: `MemorySuppressionList`, `MemoryRepositories`). */
export const layer = Layer.effect(EmailRepository, make)
