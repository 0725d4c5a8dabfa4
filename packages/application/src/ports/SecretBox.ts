import { Context, type Effect, type Redacted } from "effect"

/** Encrypts secrets kept at rest (DKIM private keys) with the deployment's key. */
export class SecretBox extends Context.Tag("@poststack/application/SecretBox")<
  SecretBox,
  {
    readonly seal: (secret: Redacted.Redacted<string>) => Effect.Effect<Uint8Array>
    /** Fails (as a defect) when the box was sealed with another key or tampered with. */
    readonly open: (sealed: Uint8Array) => Effect.Effect<Redacted.Redacted<string>>
  }
>() {}
