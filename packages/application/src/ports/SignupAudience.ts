import type { Contact, SignupForm } from "@poststack/domain"
import { Context, type Effect } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/**
 * Where a confirmed signup lands besides the contacts: the form's segment (the contact becomes a
 * member) and its subscription topic (the contact is subscribed, taking back an earlier opt-out).
 * Both are idempotent: confirming twice leaves one membership and one subscription.
 */
export class SignupAudience extends Context.Tag("@poststack/application/SignupAudience")<
  SignupAudience,
  {
    readonly join: (form: SignupForm, contact: Contact) => Effect.Effect<void, StoreUnavailable>
  }
>() {}
