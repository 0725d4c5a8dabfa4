import { Context, type Effect, type Redacted } from "effect"

export interface GeneratedDkimKey {
  /** A fresh random selector (`ps` + 10 characters): no two keys anywhere share one. */
  readonly selector: string
  /** Base64 DER SubjectPublicKeyInfo, the `p=` of the DNS record. */
  readonly publicKey: string
  readonly privateKeyPem: Redacted.Redacted<string>
}

/** Makes RSA-2048 DKIM key pairs, each with its own selector. */
export class DkimKeyGenerator extends Context.Tag("@poststack/application/DkimKeyGenerator")<
  DkimKeyGenerator,
  { readonly generate: Effect.Effect<GeneratedDkimKey> }
>() {}
