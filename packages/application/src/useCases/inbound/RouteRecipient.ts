import { domainOf, normalizeAddress, parseVerp, RecipientRefused, returnPath } from "@poststack/domain"
import { Effect, Option } from "effect"
import { DeliveryFeedback, type SentDelivery } from "../../ports/DeliveryFeedback.js"
import { Digest } from "../../ports/Digest.js"
import { InboundRepository, type MailRoute } from "../../ports/InboundRepository.js"

/** What a received message is for one recipient: customer mail, a report about a delivery, or a DMARC report. */
export type RecipientRoute =
  | { readonly role: "inbound"; readonly address: string; readonly route: MailRoute }
  | {
      readonly role: "delivery"
      readonly address: string
      readonly route: MailRoute
      readonly delivery: SentDelivery
    }
  | { readonly role: "dmarc" | "feedback"; readonly address: string; readonly route: MailRoute }

const refused = (address: string) =>
  new RecipientRefused({ message: `5.7.1 Relaying denied: we do not take mail for ${address}` })

/**
 * Decides at RCPT whether our MX takes mail for an address: any address of a verified customer
 * domain with inbound on; on a verified domain's bounce host, a return path whose digest matches
 * its delivery, `dmarc@` (aggregate reports) and `fbl@` (feedback loops). Everything else is
 * refused: never an open relay.
 */
export const RouteRecipient = Effect.fn("RouteRecipient")(function* (raw: string) {
  const address = normalizeAddress(raw)
  if (address === undefined) return yield* refused(raw)
  const found = yield* Effect.flatMap(InboundRepository, (repo) => repo.route(domainOf(address)))
  if (Option.isNone(found)) return yield* refused(address)
  const route = found.value
  if (route.kind === "inbound") return { role: "inbound", address, route } satisfies RecipientRoute
  const local = address.slice(0, address.lastIndexOf("@")).toLowerCase()
  if (local === "dmarc") return { role: "dmarc", address, route } satisfies RecipientRoute
  if (local === "fbl") return { role: "feedback", address, route } satisfies RecipientRoute
  const verp = parseVerp(local)
  if (verp === undefined) return yield* refused(address)
  const delivery = yield* Effect.flatMap(DeliveryFeedback, (feedback) => feedback.delivery(verp.deliveryId))
  const digest = yield* Digest
  // A forged return path (wrong digest, other team's delivery) names nothing: refused like any unknown address.
  if (
    Option.isNone(delivery) ||
    delivery.value.teamId !== route.teamId ||
    returnPath(verp.deliveryId, delivery.value.messageId, domainOf(address), digest.sha256).toLowerCase() !==
      address.toLowerCase()
  ) {
    return yield* refused(address)
  }
  return { role: "delivery", address, route, delivery: delivery.value } satisfies RecipientRoute
})
