import type { EngagementSegment } from "./Contact.js"

/** A contact who opened or clicked within this many days is `active`. */
export const ACTIVE_WITHIN_DAYS = 30
/** Past `active`, a contact who opened or clicked within this many days is `at_risk`; later, `dormant`. */
export const AT_RISK_WITHIN_DAYS = 90

const DAY_MS = 86_400_000

/** The two instants that split the segments at `now`: engaged at or after `activeSince` is `active`. */
export interface EngagementCutoffs {
  readonly activeSince: Date
  readonly atRiskSince: Date
}

export const engagementCutoffs = (now: Date): EngagementCutoffs => ({
  activeSince: new Date(now.getTime() - ACTIVE_WITHIN_DAYS * DAY_MS),
  atRiskSince: new Date(now.getTime() - AT_RISK_WITHIN_DAYS * DAY_MS)
})

/**
 * The segment of a contact whose last open or click was at `lastEngagedAt` (`null`: never), as
 * seen at the cutoffs. Stores compute the same comparison in SQL from the same cutoffs.
 */
export const segmentAt = (lastEngagedAt: Date | null, cutoffs: EngagementCutoffs): EngagementSegment =>
  lastEngagedAt === null
    ? "dormant"
    : lastEngagedAt.getTime() >= cutoffs.activeSince.getTime()
      ? "active"
      : lastEngagedAt.getTime() >= cutoffs.atRiskSince.getTime()
        ? "at_risk"
        : "dormant"

/**
 * Whether a tracking event counts as the reader engaging: an open or a click, but not an open
 * fetched ahead by a mail privacy proxy (Apple MPP, Google's image proxy), which no person made.
 */
export const isEngagement = (event: { readonly type: string; readonly isPrefetch: boolean }): boolean =>
  event.type === "clicked" || (event.type === "opened" && !event.isPrefetch)
