import { SignupAudience } from "@poststack/application"
import type { ContactPublicId } from "@poststack/domain"
import { Context, Effect, Layer } from "effect"

/** One confirmed signup's topic subscription as the memory audience kept it. */
export interface Joined {
  readonly contactId: ContactPublicId
  readonly topicId: string
}

/** Test seam of the memory audience: what each confirmation joined, oldest first, once per pair. */
export class MemorySignupAudienceLog extends Context.Tag(
  "@poststack/adapters-persistence/MemorySignupAudienceLog"
)<MemorySignupAudienceLog, { readonly joined: ReadonlyArray<Joined> }>() {}

/** Topic subscriptions in process memory; joining twice keeps one entry, a form without a topic none. */
export const make = () => {
  const joined: Array<Joined> = []
  const audience = SignupAudience.of({
    join: (form, contact) =>
      Effect.sync(() => {
        const topicId = form.topicId
        if (topicId === null) return
        if (!joined.some((j) => j.contactId === contact.publicId && j.topicId === topicId))
          joined.push({ contactId: contact.publicId, topicId })
      })
  })
  return { audience, log: { joined } }
}

export const layer = Layer.effectContext(
  Effect.sync(() => {
    const { audience, log } = make()
    return Context.make(SignupAudience, audience).pipe(Context.add(MemorySignupAudienceLog, log))
  })
)
