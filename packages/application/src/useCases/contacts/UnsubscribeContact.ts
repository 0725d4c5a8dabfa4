import type { ContactPublicId } from "@poststack/domain"
import { Effect } from "effect"
import type { Principal } from "../Principal.js"
import { UpdateContact } from "./UpdateContact.js"

/**
 * Global opt-out: the record is kept, marked unsubscribed, and its address goes on the suppression
 * list with reason `unsubscribe`, so no marketing send reaches it. Unsubscribing twice is harmless.
 */
export const UnsubscribeContact = Effect.fn("UnsubscribeContact")(function* (
  principal: Principal,
  id: ContactPublicId
) {
  return yield* UpdateContact(principal, id, { unsubscribed: true })
})
