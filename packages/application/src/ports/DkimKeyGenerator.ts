import { Context, type Effect, type Redacted } from "effect"

export interface GeneratedDkimKey {
  /** Base64 DER SubjectPublicKeyInfo, the `p=` of the DNS record. */
  readonly publicKey: string
  readonly privateKeyPem: Redacted.Redacted<string>
}

/** Makes RSA-2048 DKIM key pairs. */
export class DkimKeyGenerator extends Context.Tag("@poststack/application/DkimKeyGenerator")<
  DkimKeyGenerator,
  { readonly generate: Effect.Effect<GeneratedDkimKey> }
>() {}
