import {
  describeClient,
  isMachineFetch,
  isPublicAddress,
  isRedirectTarget,
  parseTrackingRef,
  signingInput,
  TrackingLinkInvalid,
  type TrackingKind,
  type TrackingRef,
  truncateIp,
  UNKNOWN_LOCATION
} from "@poststack/domain"
import { Clock, Effect } from "effect"
import { EngagementLog } from "../../ports/EngagementLog.js"
import { GeoLocator } from "../../ports/GeoLocator.js"
import { TrackingLinks } from "../../ports/TrackingLinks.js"
import { UserAgentParser } from "../../ports/UserAgentParser.js"

/** The path parts of a tracking link, as they arrived. */
export interface LinkPath {
  readonly emailId: string
  readonly deliveryId: string
  readonly signature: string
}

/** Who fetched a link: the request's `User-Agent` and remote address. */
export interface Visit {
  readonly userAgent: string
  readonly ip: string | undefined
  /** Sent by HEAD (link checkers), not GET. */
  readonly head: boolean
}

const invalid = () => new TrackingLinkInvalid({ message: "Invalid or tampered link" })

/** The link's reference when its signature matches what it names (and, for clicks, its target). */
export const verifyLink = Effect.fn("TrackingLinks.verify")(function* (
  kind: TrackingKind,
  path: LinkPath,
  url?: string
) {
  const parsed = parseTrackingRef(path.emailId, path.deliveryId, path.signature)
  if (parsed === undefined) return yield* invalid()
  const links = yield* TrackingLinks
  if (!links.verify(signingInput(kind, parsed.ref, url), parsed.signature)) return yield* invalid()
  return parsed.ref
})

const record = Effect.fn("RecordEngagement")(function* (
  ref: TrackingRef,
  type: "opened" | "clicked",
  url: string | undefined,
  visit: Visit
) {
  const parser = yield* UserAgentParser
  const log = yield* EngagementLog
  const userAgent = visit.userAgent.slice(0, 512)
  const client = describeClient(userAgent, parser.parse(userAgent))
  // Located from the full address, before it is cut to its network; private ones are nowhere.
  const location =
    visit.ip !== undefined && isPublicAddress(visit.ip)
      ? yield* Effect.flatMap(GeoLocator, (geo) => geo.locate(visit.ip ?? ""))
      : UNKNOWN_LOCATION
  yield* log.record({
    ref,
    type,
    at: new Date(yield* Clock.currentTimeMillis),
    url,
    userAgent,
    network: visit.ip === undefined ? undefined : truncateIp(visit.ip),
    client,
    isPrefetch: isMachineFetch({ userAgent, ip: visit.ip, client, head: visit.head }),
    location
  })
})

/** A pixel fetch: records `opened` for the recipient when the link is ours. */
export const RecordOpen = Effect.fn("RecordOpen")(function* (path: LinkPath, visit: Visit) {
  const ref = yield* verifyLink("open", path)
  yield* record(ref, "opened", undefined, visit)
})

/**
 * A click: returns where to redirect, which only a link we signed can name (no open redirect),
 * and records `clicked` in the background so the redirect never waits for the database.
 */
export const FollowClick = Effect.fn("FollowClick")(function* (
  path: LinkPath,
  url: string | undefined,
  visit: Visit
) {
  if (url === undefined || !isRedirectTarget(url)) return yield* invalid()
  const ref = yield* verifyLink("click", path, url)
  yield* record(ref, "clicked", url, visit)
  return url
})
