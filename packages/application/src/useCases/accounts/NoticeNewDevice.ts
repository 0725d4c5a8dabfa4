import type { User } from "@poststack/domain"
import { Clock, Effect } from "effect"
import { Digest } from "../../ports/Digest.js"
import { SessionStore } from "../../ports/SessionStore.js"
import { UserAgentParser } from "../../ports/UserAgentParser.js"
import type { ClientContext } from "./ClientContext.js"
import { mails } from "./mails.js"
import { SendSystemMail } from "./SendSystemMail.js"

/** A device unseen this long is new again. */
const REMEMBER_DEVICE_MS = 90 * 24 * 60 * 60_000

/** The browser as a person would name it: name, system and kind, but not its version, which updates. */
const browserOf = (parser: UserAgentParser["Type"], userAgent: string | null) => {
  if (userAgent === null) return "an unknown browser"
  const parsed = parser.parse(userAgent)
  const name = [parsed.browser, parsed.os === undefined ? undefined : `on ${parsed.os}`]
    .filter((part) => part !== undefined)
    .join(" ")
  return name === "" ? "an unknown browser" : name
}

/**
 * After a sign-in opened a session: when the person has signed in before but never (in 90 days)
 * from this address with this browser, a "new sign-in" security notice goes to them by system
 * mail, naming the browser, the address and the time in their time zone. Only a hash of the
 * address and browser is remembered. Never fails the sign-in.
 */
export const NoticeNewDevice = Effect.fnUntraced(
  function* (user: User, client: ClientContext) {
    const parser = yield* UserAgentParser
    const browser = browserOf(parser, client.userAgent)
    const address = client.address ?? "an unknown address"
    const device = (yield* Digest).sha256(`sign-in device\n${address}\n${browser}`)
    const now = yield* Clock.currentTimeMillis
    const at = new Date(now)
    const seen = yield* (yield* SessionStore).noteDevice(
      user.id,
      device,
      at,
      new Date(now - REMEMBER_DEVICE_MS)
    )
    if (seen.known || seen.firstSignIn) return
    yield* SendSystemMail(mails.newSignIn(user.email, browser, address, at, user.timeZone))
  },
  Effect.catchTag("StoreUnavailable", () =>
    Effect.logWarning("new sign-in notice skipped: the database is unavailable")
  )
)
