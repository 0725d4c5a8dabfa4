import type { Contact, SignupForm } from "@poststack/domain"
import { Context, type Effect } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/**
 * Subscribes a confirmed signup to the form's subscription topic, taking back an earlier opt-out
 * from it. Idempotent: confirming twice leaves one subscription. (The form's segment is joined
 * through `SegmentRepository`.)
 */
export class SignupAudience extends Context.Tag("@poststack/application/SignupAudience")<
  SignupAudience,
  {
    readonly join: (form: SignupForm, contact: Contact) => Effect.Effect<void, StoreUnavailable>
  }
>() {}
