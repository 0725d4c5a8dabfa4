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

/** The device a sign-in comes from, as a person would name it and as it is remembered (a hash). */
export const deviceOf = Effect.fnUntraced(function* (client: ClientContext) {
  const browser = browserOf(yield* UserAgentParser, client.userAgent)
  const address = client.address ?? "an unknown address"
  const hash = (yield* Digest).sha256(`sign-in device\n${address}\n${browser}`)
  const now = yield* Clock.currentTimeMillis
  return { browser, address, hash, at: new Date(now), forgetBefore: new Date(now - REMEMBER_DEVICE_MS) }
})

/** The "new sign-in" notice, when the device noted was neither known nor the person's first. */
export const mailIfNewDevice = (
  user: User,
  device: Effect.Effect.Success<ReturnType<typeof deviceOf>>,
  seen: { readonly known: boolean; readonly firstSignIn: boolean }
) =>
  seen.known || seen.firstSignIn
    ? Effect.void
    : SendSystemMail(mails.newSignIn(user.email, device.browser, device.address, device.at, user.timeZone))

/**
 * After a sign-in opened a session: when the person has signed in before but never (in 90 days)
 * from this address with this browser, a "new sign-in" security notice goes to them by system
 * mail, naming the browser, the address and the time in their time zone. Only a hash of the
 * address and browser is remembered. Never fails the sign-in.
 */
export const NoticeNewDevice = Effect.fnUntraced(
  function* (user: User, client: ClientContext) {
    const device = yield* deviceOf(client)
    const seen = yield* (yield* SessionStore).noteDevice(user.id, device.hash, device.at, device.forgetBefore)
    yield* mailIfNewDevice(user, device, seen)
  },
  Effect.catchTag("StoreUnavailable", () =>
    Effect.logWarning("new sign-in notice skipped: the database is unavailable")
  )
)
