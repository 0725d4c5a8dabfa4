import { InboundAttachmentNotFound } from "@poststack/domain"
import { Effect, Option } from "effect"
import { BlobStore } from "../../ports/BlobStore.js"
import type { Principal } from "../Principal.js"
import { ListInboundAttachments } from "./GetInbound.js"

const missing = new InboundAttachmentNotFound()

/** One attachment's bytes, with its name and type. */
export const GetInboundAttachment = Effect.fn("GetInboundAttachment")(function* (
  principal: Principal,
  id: number,
  attachmentId: number
) {
  const attachments = yield* ListInboundAttachments(principal, id)
  const attachment = attachments.find((a) => a.id === attachmentId)
  if (attachment === undefined) return yield* missing
  const bytes = yield* Effect.flatMap(BlobStore, (blobs) => blobs.get(attachment.blobKey))
  if (Option.isNone(bytes)) return yield* missing
  return { attachment, bytes: bytes.value }
})
