import { Effect, Option } from "effect"
import { BlobStore } from "../../ports/BlobStore.js"
import { InboundRepository } from "../../ports/InboundRepository.js"
import type { Principal } from "../Principal.js"
import { GetInbound, inboundNotFound } from "./GetInbound.js"

/** Deletes one received message; its stored bytes go once no other recipient's row refers to them. */
export const DeleteInbound = Effect.fn("DeleteInbound")(function* (principal: Principal, id: number) {
  yield* GetInbound(principal, id)
  const freed = yield* Effect.flatMap(InboundRepository, (repo) => repo.delete(principal.teamId, id))
  if (Option.isNone(freed)) return yield* inboundNotFound
  const blobs = yield* BlobStore
  // The row is gone: a blob that fails to delete is only wasted space, never a failed request.
  yield* Effect.forEach(freed.value, (key) => Effect.ignore(blobs.remove(key)), { discard: true })
})
