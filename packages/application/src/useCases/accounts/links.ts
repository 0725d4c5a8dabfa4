import { Effect, Redacted } from "effect"
import { SystemMailSettings } from "../../ports/SystemMailSettings.js"

/**
 * A dashboard link carrying a secret token. The token travels in the fragment, which browsers
 * never send to a server nor put in a Referer, so it reaches no access log; the page posts it.
 */
export const linkTo = (page: string, token?: Redacted.Redacted<string>) =>
  Effect.map(
    SystemMailSettings,
    (settings) =>
      `${settings.publicUrl.replace(/\/+$/, "")}/${page}${token === undefined ? "" : `#token=${Redacted.value(token)}`}`
  )
