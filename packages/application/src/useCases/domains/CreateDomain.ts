import {
  describeNameProblem,
  type Domain,
  expectedRecords,
  normalizeDomainName,
  ValidationFailed,
  DomainAlreadyExists
} from "@poststack/domain"
import { Clock, Effect, Option } from "effect"
import { authorize, type Principal } from "../Principal.js"
import { DkimKeyGenerator } from "../../ports/DkimKeyGenerator.js"
import { DomainRepository } from "../../ports/DomainRepository.js"
import { MailHostSettings } from "../../ports/MailHostSettings.js"
import { PublicSuffixList } from "../../ports/PublicSuffixList.js"
import { SecretBox } from "../../ports/SecretBox.js"
import { validateReturnPathLabel, validateTrackingHost } from "./validation.js"
import { recordAudit } from "../audit/RecordAudit.js"

export interface CreateDomainInput {
  readonly name: string
  readonly customReturnPath: string | undefined
  readonly openTracking: boolean
  readonly clickTracking: boolean
  readonly tlsMode: Domain["tlsMode"]
  readonly trackingDomain: string | null | undefined
  readonly inboundEnabled: boolean
}

/** Adds a sending domain with a fresh RSA-2048 DKIM key; the response lists every record to publish. */
export const CreateDomain = Effect.fn("CreateDomain")(function* (
  principal: Principal,
  input: CreateDomainInput
) {
  const { teamId } = yield* authorize(principal, "domains.create")
  const normalized = normalizeDomainName(input.name)
  if ("problem" in normalized)
    return yield* new ValidationFailed({ message: describeNameProblem(normalized.problem) })
  const name = normalized.name
  const psl = yield* PublicSuffixList
  if (psl.isPublicSuffix(name)) {
    return yield* new ValidationFailed({
      message: `${name} is a public suffix: add a domain you own under it`
    })
  }
  const returnPathLabel = yield* validateReturnPathLabel(input.customReturnPath ?? "bounces")
  const trackingDomain =
    input.trackingDomain === undefined
      ? `track.${name}`
      : yield* validateTrackingHost(input.trackingDomain, name, `${returnPathLabel}.${name}`)

  const generated = yield* Effect.flatMap(DkimKeyGenerator, (g) => g.generate)
  const sealedPrivateKey = yield* Effect.flatMap(SecretBox, (box) => box.seal(generated.privateKeyPem))
  const hosts = yield* MailHostSettings
  const now = new Date(yield* Clock.currentTimeMillis)
  const domains = yield* DomainRepository
  const created = yield* domains.create(
    {
      teamId,
      name,
      returnPathLabel,
      openTracking: input.openTracking,
      clickTracking: input.clickTracking,
      trackingDomain,
      tlsMode: input.tlsMode,
      inboundEnabled: input.inboundEnabled
    },
    { selector: generated.selector, publicKey: generated.publicKey, sealedPrivateKey, state: "active" },
    (domain, keys) => expectedRecords(domain, keys, hosts, [], now)
  )
  if (Option.isNone(created)) return yield* new DomainAlreadyExists({ domain: name })
  yield* recordAudit(principal, "domain.added", { type: "domain", id: created.value.publicId }, { name })
  return created.value
})
