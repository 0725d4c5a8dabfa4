import type { AttachmentInput } from "@poststack/domain"
import { Context, type Effect } from "effect"

/** Everything that goes into one recipient's copy of a message. */
export interface MessageContent {
  readonly messageId: string
  readonly date: Date
  readonly from: { readonly address: string; readonly name: string | null }
  readonly to: ReadonlyArray<string>
  readonly cc: ReadonlyArray<string>
  readonly replyTo: ReadonlyArray<string>
  readonly subject: string
  readonly html: string | null
  readonly text: string | null
  readonly headers: Readonly<Record<string, string>>
  readonly attachments: ReadonlyArray<AttachmentInput>
}

/** Builds RFC 5322 messages (MIME); a missing text part is derived from the HTML. */
export class MessageComposer extends Context.Tag("@poststack/application/MessageComposer")<
  MessageComposer,
  { readonly compose: (content: MessageContent) => Effect.Effect<Uint8Array> }
>() {}
