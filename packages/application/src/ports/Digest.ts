import { Context } from "effect"

/** SHA-256 of a text, hex encoded: fingerprints of requests for idempotency. */
export class Digest extends Context.Tag("@poststack/application/Digest")<
  Digest,
  {
    readonly sha256: (text: string) => string
    readonly sha256Bytes: (bytes: Uint8Array) => string
  }
>() {}
