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

/** A host that must live under the domain itself (a tracking host, for instance); `null` turns it off. */
export const validateHostUnder = (raw: string | null, domain: string, field: string) => {
  if (raw === null) return Effect.succeed(null)
  const normalized = normalizeDomainName(raw)
  if ("problem" in normalized || !isWithin(normalized.name, domain) || normalized.name === domain) {
    return Effect.fail(
      new ValidationFailed({ message: `${field} must be a host under ${domain}, such as track.${domain}` })
    )
  }
  return Effect.succeed(normalized.name)
}
