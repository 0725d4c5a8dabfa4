import { EmailNotFound } from "@poststack/domain"
import { Effect, Option } from "effect"
import { EmailRepository } from "../../ports/EmailRepository.js"
import { authorize, inScope, type Principal, type Scope } from "../Principal.js"

/**
 * The scope an email use case acts in, once the email is known to be inside it. A team-wide key
 * costs no lookup here; a scoped key's email is read first, and another domain's is not found.
 */
export const emailScope = Effect.fn("emailScope")(function* (principal: Principal, publicId: string) {
  const scope = yield* authorize(principal, "emails")
  if (scope.domainId === null) return scope
  const email = yield* Effect.flatMap(EmailRepository, (emails) => emails.get(scope.teamId, publicId))
  if (Option.isNone(email) || !inScope(scope, email.value.domainId))
    return yield* new EmailNotFound({ publicId })
  return scope satisfies Scope
})

/** The email with its bodies and its events, oldest first. */
export const GetEmail = Effect.fn("GetEmail")(function* (principal: Principal, publicId: string) {
  const scope = yield* authorize(principal, "emails")
  const emails = yield* EmailRepository
  const email = yield* emails.get(scope.teamId, publicId)
  if (Option.isNone(email) || !inScope(scope, email.value.domainId))
    return yield* new EmailNotFound({ publicId })
  const events = yield* emails.events(scope.teamId, publicId)
  if (Option.isNone(events)) return yield* new EmailNotFound({ publicId })
  return { ...email.value, events: events.value }
})
