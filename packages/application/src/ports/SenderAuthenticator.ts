import type { SenderAuthentication } from "@poststack/domain"
import { Context, type Effect } from "effect"

export interface ReceivedFrom {
  readonly raw: Uint8Array
  readonly ip: string
  readonly helo: string
  /** The envelope sender; empty for a bounce. */
  readonly sender: string
}

/** Checks SPF, DKIM and DMARC of a received message; a DNS failure is a `temperror` verdict, never a failure. */
export class SenderAuthenticator extends Context.Tag("@poststack/application/SenderAuthenticator")<
  SenderAuthenticator,
  { readonly verify: (message: ReceivedFrom) => Effect.Effect<SenderAuthentication> }
>() {}
