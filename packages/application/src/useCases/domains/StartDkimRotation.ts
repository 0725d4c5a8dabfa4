import { type DomainRef, DkimRotationUnderWay } from "@poststack/domain"
import { Effect, Option } from "effect"
import type { Principal } from "../Principal.js"
import { DkimKeyGenerator } from "../../ports/DkimKeyGenerator.js"
import { DkimKeyRepository } from "../../ports/DkimKeyRepository.js"
import { SecretBox } from "../../ports/SecretBox.js"
import { GetDomain } from "./GetDomain.js"
import { refreshRecords } from "./refreshRecords.js"

/** Stages a new key under a new selector; the current key keeps signing until the new record is in DNS. */
export const StartDkimRotation = Effect.fn("StartDkimRotation")(function* (
  principal: Principal,
  ref: DomainRef
) {
  const domain = yield* GetDomain(principal, ref)
  const dkim = yield* DkimKeyRepository
  const generated = yield* Effect.flatMap(DkimKeyGenerator, (g) => g.generate)
  const sealedPrivateKey = yield* Effect.flatMap(SecretBox, (box) => box.seal(generated.privateKeyPem))
  const added = yield* dkim.addPending(domain.id, {
    selector: generated.selector,
    publicKey: generated.publicKey,
    sealedPrivateKey,
    state: "pending"
  })
  if (Option.isNone(added)) return yield* new DkimRotationUnderWay()
  return yield* refreshRecords(domain)
})
