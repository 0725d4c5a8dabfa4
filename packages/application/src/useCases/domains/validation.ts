import { isWithin, normalizeDomainName, ValidationFailed } from "@poststack/domain"
import { Effect } from "effect"

const LABELS = /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/

/** The bounce host's label(s) under the domain: `bounces` by default, `mail.bounces` is fine too. */
export const validateReturnPathLabel = (raw: string) => {
  const label = raw.trim().toLowerCase()
  return LABELS.test(label) && label.length <= 63
    ? Effect.succeed(label)
    : Effect.fail(
        new ValidationFailed({
          message: "custom_return_path must be one or more DNS labels, such as bounces"
        })
      )
}

/**
 * The tracking host: under the domain, and not a name another record lives at (a CNAME cannot
 * share its name with the bounce host's TXT and MX). `null` turns tracking links on the domain off.
 */
export const validateTrackingHost = (raw: string | null, domain: string, returnPathHost: string) => {
  if (raw === null) return Effect.succeed(null)
  const normalized = normalizeDomainName(raw)
  if ("problem" in normalized || !isWithin(normalized.name, domain) || normalized.name === domain) {
    return Effect.fail(
      new ValidationFailed({
        message: `tracking_domain must be a host under ${domain}, such as track.${domain}`
      })
    )
  }
  if (normalized.name === returnPathHost || normalized.name.split(".")[0]?.startsWith("_")) {
    return Effect.fail(
      new ValidationFailed({
        message: `tracking_domain cannot be ${normalized.name}: another record lives there`
      })
    )
  }
  return Effect.succeed(normalized.name)
}
