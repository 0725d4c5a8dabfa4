import { Schema } from "effect"

/** No such received email in the caller's reach. */
export class InboundEmailNotFound extends Schema.TaggedError<InboundEmailNotFound>()(
  "InboundEmailNotFound",
  {}
) {
  override get message() {
    return "Inbound email not found"
  }
}

/** The received email has no attachment with this id. */
export class InboundAttachmentNotFound extends Schema.TaggedError<InboundAttachmentNotFound>()(
  "InboundAttachmentNotFound",
  {}
) {
  override get message() {
    return "Attachment not found"
  }
}
