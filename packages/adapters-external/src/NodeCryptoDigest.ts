import { createHash } from "node:crypto"
import { Digest } from "@poststack/application"
import { Layer } from "effect"

export const make = Digest.of({
  sha256: (text) => createHash("sha256").update(text, "utf8").digest("hex"),
  sha256Bytes: (bytes) => createHash("sha256").update(bytes).digest("hex")
})

export const layer = Layer.succeed(Digest, make)
