import { SignupAudience } from "@poststack/application"
import type { ContactPublicId } from "@poststack/domain"
import { Context, Effect, Layer } from "effect"

/** One confirmed signup as the memory audience kept it. */
export interface Joined {
  readonly contactId: ContactPublicId
  readonly segmentId: string | null
  readonly topicId: string | null
}

/** Test seam of the memory audience: what each confirmation joined, oldest first, once per pair. */
export class MemorySignupAudienceLog extends Context.Tag(
  "@poststack/adapters-persistence/MemorySignupAudienceLog"
)<MemorySignupAudienceLog, { readonly joined: ReadonlyArray<Joined> }>() {}

/** The form's segment and topic as lists in process memory; joining twice keeps one entry. */
export const make = () => {
  const joined: Array<Joined> = []
  const audience = SignupAudience.of({
    join: (form, contact) =>
      Effect.sync(() => {
        const entry = { contactId: contact.publicId, segmentId: form.segmentId, topicId: form.topicId }
        const known = joined.some(
          (j) =>
            j.contactId === entry.contactId && j.segmentId === entry.segmentId && j.topicId === entry.topicId
        )
        if (!known) joined.push(entry)
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
