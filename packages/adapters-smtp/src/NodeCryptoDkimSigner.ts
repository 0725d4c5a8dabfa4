import type { KeyObject } from "node:crypto"
import { createPrivateKey } from "node:crypto"
import { DkimKeyRepository, DkimSigner, SecretBox, SigningKeyUnavailable } from "@poststack/application"
import type { DomainId } from "@poststack/domain"
import { Clock, Effect, Layer, Option, Redacted } from "effect"
import { dkimSign } from "./DkimSignature.js"

interface CachedKey {
  readonly domainName: string
  readonly selector: string
  readonly privateKey: KeyObject
  readonly loadedAt: number
}

/** How long a parsed key is trusted before the active key is looked up again (rotations show up within it). */
const CACHE_TTL_MS = 60_000

/**
 * Signs (see `DkimSignature`) with a parsed `KeyObject` cached per domain, so a message costs one
 * RSA signature, made off the event loop, and no storage read or PEM parse.
 */
export const make = Effect.gen(function* () {
  const keys = yield* DkimKeyRepository
  const box = yield* SecretBox
  const cache = new Map<DomainId, CachedKey>()

  const keyFor = (domainId: DomainId) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const cached = cache.get(domainId)
      return cached !== undefined && now - cached.loadedAt < CACHE_TTL_MS
        ? Effect.succeed(cached)
        : load(domainId, now)
    })

  const load = Effect.fn("DkimSigner.load")(function* (domainId: DomainId, now: number) {
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

  // Written once, not per message (ARCHITECTURE.md, hot paths).
  const signWith = Effect.fnUntraced(function* (domainId: DomainId, message: Uint8Array) {
    const key = yield* keyFor(domainId)
    const signed = yield* Effect.tryPromise({
      try: () => dkimSign(message, key),
      catch: (error) =>
        new SigningKeyUnavailable({ message: `Signing for domain ${domainId} failed: ${String(error)}` })
    })
    return new Uint8Array(signed.buffer, signed.byteOffset, signed.byteLength)
  })

  return DkimSigner.of({
    // Made once per message: the span keeps no stack trace (capturing one makes an Error per call;
    // with the transport's span, 1.5 % of the worker's CPU in bench:delivery).
    sign: (domainId, message) =>
      signWith(domainId, message).pipe(Effect.withSpan("DkimSigner.sign", { captureStackTrace: false }))
  })
})

export const layer = Layer.effect(DkimSigner, make)
