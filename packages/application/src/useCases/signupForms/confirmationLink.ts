import type { SignupForm, SubmissionPublicId } from "@poststack/domain"
import { Effect } from "effect"
import { TrackingLinks } from "../../ports/TrackingLinks.js"
import type { SystemMessage } from "../accounts/SendSystemMail.js"

/** What the link's signature covers: its own purpose, so no other signed link can stand in for it. */
const signed = (id: SubmissionPublicId) => `signup-confirm:${id}`

/** `<public URL>/f/<submission>/<signature>`: the link in the confirmation mail. */
export const confirmationLink = (id: SubmissionPublicId) =>
  Effect.map(
    TrackingLinks,
    (links) => `${links.publicUrl.replace(/\/+$/, "")}/f/${id}/${links.sign(signed(id))}`
  )

/** Whether the signature is the one this server made for the submission (constant time). */
export const confirmationSigned = (id: SubmissionPublicId, signature: string) =>
  Effect.map(TrackingLinks, (links) => links.verify(signed(id), signature))

/** The confirmation mail: nothing is subscribed until its link is followed. */
export const confirmationMail = (to: string, form: SignupForm, link: string): SystemMessage => ({
  to,
  subject: "Confirm your subscription",
  text: `Someone (we hope you) signed up with this address using the form "${form.name}".\n\nConfirm your subscription:\n\n${link}\n\nThe link works for 7 days. If you did not sign up, ignore this mail: you will not be subscribed.\n`
})
