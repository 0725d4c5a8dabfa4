import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** Large immutable bytes (raw received messages, attachments), by key. */
export class BlobStore extends Context.Tag("@poststack/application/BlobStore")<
  BlobStore,
  {
    /** Stores the bytes durably before it succeeds. */
    readonly put: (key: string, bytes: Uint8Array) => Effect.Effect<void, StoreUnavailable>
    readonly get: (key: string) => Effect.Effect<Option.Option<Uint8Array>, StoreUnavailable>
    readonly remove: (key: string) => Effect.Effect<void, StoreUnavailable>
  }
>() {}
