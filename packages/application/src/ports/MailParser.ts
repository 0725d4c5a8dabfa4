import type { ParsedMessage } from "@poststack/domain"
import { Context, type Effect, Schema } from "effect"

/** The message could not be read as MIME within the parser's bounds. */
export class MessageUnreadable extends Schema.TaggedError<MessageUnreadable>()("MessageUnreadable", {
  message: Schema.String
}) {}

/** Reads a raw RFC 5322 message: addresses, subject, bodies, headers and every attached part. */
export class MailParser extends Context.Tag("@poststack/application/MailParser")<
  MailParser,
  { readonly parse: (raw: Uint8Array) => Effect.Effect<ParsedMessage, MessageUnreadable> }
>() {}
