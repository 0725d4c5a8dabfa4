import type { KeyObject } from "node:crypto"
import { createPrivateKey } from "node:crypto"
import { DkimKeyRepository, DkimSigner, SecretBox, SigningKeyUnavailable } from "@poststack/application"
import type { DomainId } from "@poststack/domain"
import { Clock, Effect, Layer, Option, Redacted } from "effect"
import DKIM from "nodemailer/lib/dkim"

interface CachedKey {
  readonly domainName: string
  readonly selector: string
  readonly privateKey: KeyObject
  readonly loadedAt: number
}

/** How long a parsed key is trusted before the active key is looked up again (rotations show up within it). */
const CACHE_TTL_MS = 60_000

const collect = (stream: NodeJS.ReadableStream) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    stream.on("data", (chunk: Buffer) => chunks.push(chunk))
    stream.on("end", () => resolve(Buffer.concat(chunks)))
    stream.on("error", reject)
  })

/**
 * Signs with nodemailer's DKIM signer and a parsed `KeyObject` cached per domain, so a message
 * costs one RSA signature and no storage read or PEM parse.
 */
export const make = Effect.gen(function* () {
  const keys = yield* DkimKeyRepository
  const box = yield* SecretBox
  const cache = new Map<DomainId, CachedKey>()

  const keyFor = Effect.fn("DkimSigner.keyFor")(function* (domainId: DomainId) {
    const now = yield* Clock.currentTimeMillis
    const cached = cache.get(domainId)
    if (cached !== undefined && now - cached.loadedAt < CACHE_TTL_MS) return cached
    const found = yield* keys.signingKey(domainId)
    if (Option.isNone(found)) {
      cache.delete(domainId)
      return yield* new SigningKeyUnavailable({
        message: `Domain ${domainId} is not verified, or has no active key`
      })
    }
    const pem = yield* box.open(found.value.sealedPrivateKey)
    const loaded: CachedKey = {
      domainName: found.value.domainName,
      selector: found.value.selector,
      privateKey: createPrivateKey(Redacted.value(pem)),
      loadedAt: now
    }
    cache.set(domainId, loaded)
    return loaded
  })

  return DkimSigner.of({
    sign: (domainId, message) =>
      Effect.gen(function* () {
        const key = yield* keyFor(domainId)
        const signer = new DKIM({
          domainName: key.domainName,
          keySelector: key.selector,
          privateKey: key.privateKey
        })
        const signed = yield* Effect.promise(() => collect(signer.sign(Buffer.from(message))))
        return new Uint8Array(signed)
      }).pipe(Effect.withSpan("DkimSigner.sign"))
  })
})

export const layer = Layer.effect(DkimSigner, make)
