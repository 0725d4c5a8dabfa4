import { Schema } from "effect"
import { DomainId } from "./DomainRef.js"

export const DkimKeyId = Schema.Int.pipe(Schema.positive(), Schema.brand("DkimKeyId"))
export type DkimKeyId = typeof DkimKeyId.Type

/**
 * `active` signs mail; `pending` waits for its record to appear in DNS; `retiring` no longer signs
 * but its record must stay published until mail signed with it has been verified.
 */
export const DkimKeyState = Schema.Literal("active", "pending", "retiring", "retired")
export type DkimKeyState = typeof DkimKeyState.Type

/** A DKIM key's public half and lifecycle; the private half never leaves the key store in clear. */
export class DkimKey extends Schema.Class<DkimKey>("DkimKey")({
  id: DkimKeyId,
  domainId: DomainId,
  selector: Schema.String,
  /** Base64 of the DER SubjectPublicKeyInfo: the `p=` of the DNS record. */
  publicKey: Schema.String,
  state: DkimKeyState,
  createdAt: Schema.DateFromSelf,
  publishedAt: Schema.NullOr(Schema.DateFromSelf),
  activatesAfter: Schema.NullOr(Schema.DateFromSelf),
  retireAfter: Schema.NullOr(Schema.DateFromSelf)
}) {}

export const dkimRecordName = (selector: string, domainName: string): string =>
  `${selector}._domainkey.${domainName}`

export const dkimRecordValue = (publicKey: string): string => `v=DKIM1; k=rsa; p=${publicKey}`

export const DkimRotationState = Schema.Literal("idle", "pending_dns", "ready", "retiring")
export type DkimRotationState = typeof DkimRotationState.Type

/** How long a new record must have been visible before the key it publishes starts signing. */
export const PROPAGATION_WINDOW_MS = 60 * 60 * 1000
/** How long a replaced key stays published, so mail it signed still verifies on arrival. */
export const RETIREMENT_WINDOW_MS = 7 * 24 * 60 * 60 * 1000

export const rotationState = (
  keys: ReadonlyArray<Pick<DkimKey, "state" | "publishedAt">>
): DkimRotationState => {
  const pending = keys.find((k) => k.state === "pending")
  if (pending !== undefined) return pending.publishedAt === null ? "pending_dns" : "ready"
  return keys.some((k) => k.state === "retiring") ? "retiring" : "idle"
}

/** The rotation as clients see it: what signs now, what is staged, what is being retired. */
export interface DkimRotation {
  readonly domainId: number
  readonly state: DkimRotationState
  readonly activeSelector: string | null
  readonly pendingSelector: string | null
  readonly pendingPublicKey: string | null
  readonly pendingRecordName: string | null
  readonly pendingRecordValue: string | null
  readonly startedAt: Date | null
  readonly publishedAt: Date | null
  readonly activatesAfter: Date | null
  readonly retiredSelector: string | null
  readonly retireAfter: Date | null
}

export const rotationOf = (
  domainId: number,
  domainName: string,
  keys: ReadonlyArray<DkimKey>
): DkimRotation => {
  const active = keys.find((k) => k.state === "active")
  const pending = keys.find((k) => k.state === "pending")
  const retiring = keys.find((k) => k.state === "retiring")
  return {
    domainId,
    state: rotationState(keys),
    activeSelector: active?.selector ?? null,
    pendingSelector: pending?.selector ?? null,
    pendingPublicKey: pending?.publicKey ?? null,
    pendingRecordName: pending === undefined ? null : dkimRecordName(pending.selector, domainName),
    pendingRecordValue: pending === undefined ? null : dkimRecordValue(pending.publicKey),
    startedAt: pending?.createdAt ?? null,
    publishedAt: pending?.publishedAt ?? null,
    activatesAfter: pending?.activatesAfter ?? null,
    retiredSelector: retiring?.selector ?? null,
    retireAfter: retiring?.retireAfter ?? null
  }
}
