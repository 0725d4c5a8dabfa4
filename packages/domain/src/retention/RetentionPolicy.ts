/** How many days a team's logs and content are kept when no plan says otherwise (P22, P23). */
export const DEFAULT_RETENTION_DAYS = 30

/** The shortest and longest log retention a plan may give (P22: 14 to 90 days). */
export const MIN_RETENTION_DAYS = 14
export const MAX_RETENTION_DAYS = 90

/** Sessions live 24 hours (P29); an expired one is purged, not only refused. */
export const SESSION_LIFETIME_HOURS = 24

const DAY_MS = 86_400_000

/** The instant before which a team's rows are past a retention of `days`, at `now`. */
export const retentionCutoff = (now: number, days: number): Date => new Date(now - days * DAY_MS)

/** A plan's retention held to the range the policy allows, so a bad plan never deletes early or keeps forever. */
export const clampRetentionDays = (days: number): number =>
  Number.isFinite(days)
    ? Math.min(MAX_RETENTION_DAYS, Math.max(MIN_RETENTION_DAYS, Math.round(days)))
    : DEFAULT_RETENTION_DAYS

/** What one retention pass removed, by kind of row. */
export interface PurgeCounts {
  readonly emails: number
  readonly events: number
  readonly inbound: number
  readonly webhookDeliveries: number
  readonly blobs: number
}

export const noPurge: PurgeCounts = { emails: 0, events: 0, inbound: 0, webhookDeliveries: 0, blobs: 0 }

export const addPurges = (a: PurgeCounts, b: Partial<PurgeCounts>): PurgeCounts => ({
  emails: a.emails + (b.emails ?? 0),
  events: a.events + (b.events ?? 0),
  inbound: a.inbound + (b.inbound ?? 0),
  webhookDeliveries: a.webhookDeliveries + (b.webhookDeliveries ?? 0),
  blobs: a.blobs + (b.blobs ?? 0)
})
