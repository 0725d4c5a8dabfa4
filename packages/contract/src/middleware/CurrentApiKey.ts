import { PermissionDenied } from "@poststack/domain"
import { Effect } from "effect"
import { CurrentPrincipal } from "./CurrentPrincipal.js"

/**
 * The key behind the request, for the routes that act as a key (sending mail, replying to and
 * forwarding received mail: each records the key that sent it and honours its mode). A dashboard
 * session is refused there with 403: sending is done with an API key.
 */
export const CurrentApiKey = Effect.flatMap(CurrentPrincipal, (principal) =>
  principal._tag === "ApiKey"
    ? Effect.succeed(principal.key)
    : Effect.fail(
        new PermissionDenied({
          message: "Sending mail needs an API key: create one at POST /api-keys and send with it"
        })
      )
)
