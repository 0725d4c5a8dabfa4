import { HttpApiBuilder, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import {
  FollowClick,
  type LinkPath,
  type PreferenceOutcome,
  RecordOpen,
  SavePreferences,
  ShowPreferences,
  UnsubscribeByLink,
  type Visit
} from "@poststack/application"
import { Effect } from "effect"
import { Api } from "@poststack/contract"
import { rowIdFrom } from "@poststack/domain"
import { clientAddress } from "../middleware/ClientAddress.js"
import { page } from "./TrackingPages.js"

/** The smallest transparent GIF (1x1). */
const PIXEL = new Uint8Array(
  Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64")
)

const NO_CACHE = {
  "cache-control": "no-store, no-cache, must-revalidate, max-age=0",
  pragma: "no-cache",
  expires: "0"
}

/** Pages are static text: no scripts, no outside resources, forms post back only to us. */
const PAGE_HEADERS = {
  ...NO_CACHE,
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
  "x-robots-tag": "noindex",
  // For browsers that know neither `frame-ancestors` nor the type's rules.
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff"
}

const visit = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  return {
    userAgent: request.headers["user-agent"] ?? "",
    ip: yield* clientAddress,
    head: request.method === "HEAD"
  } satisfies Visit
})

const html = (body: string, status = 200) =>
  HttpServerResponse.text(body, { status, contentType: "text/html; charset=utf-8", headers: PAGE_HEADERS })

/** A forged or mangled link is a page a person can read (404), not the API's JSON. */
const invalidPage = () => Effect.succeed(html(page.invalid, 404))

const outcomePage: Record<PreferenceOutcome, string> = {
  unsubscribed: page.done,
  left_topic: page.leftTopic,
  saved: page.saved,
  gone: page.gone
}

/** What the POST asks for: RFC 8058's exact body, or one of the preference page's forms. */
const readForm = (body: string) => {
  const form = new URLSearchParams(body.trim())
  // RFC 8058: mailbox providers POST exactly this.
  if (form.get("List-Unsubscribe") === "One-Click")
    return { action: "one_click" as const, keep: new Set<number>() }
  const keep = new Set(
    form
      .getAll("keep")
      .map(rowIdFrom)
      .filter((id) => id !== undefined)
  )
  const action = form.get("action")
  return { action: action === "save" || action === "topic" ? action : ("all" as const), keep }
}

export const TrackingLive = HttpApiBuilder.group(Api, "tracking", (handlers) =>
  handlers
    .handle("open", ({ path }) =>
      Effect.gen(function* () {
        const link: LinkPath = { ...path, signature: path.signature.replace(/\.gif$/, "") }
        yield* RecordOpen(link, yield* visit)
        return HttpServerResponse.uint8Array(PIXEL, { contentType: "image/gif", headers: NO_CACHE })
      })
    )
    .handle("click", ({ path, urlParams }) =>
      Effect.gen(function* () {
        const target = yield* FollowClick(path, urlParams.url, yield* visit)
        // Header-safe: non-ASCII in the target is percent-encoded (and the host made punycode).
        return HttpServerResponse.redirect(new URL(target).href, {
          status: 302,
          headers: { "cache-control": "no-store", "referrer-policy": "no-referrer" }
        })
      })
    )
    .handle("unsubscribePage", ({ path, urlParams }) =>
      ShowPreferences({ path, topic: urlParams.topic }).pipe(
        Effect.map((view) => html(view._tag === "Gone" ? page.gone : page.preferences(view))),
        Effect.catchTag("TrackingLinkInvalid", invalidPage)
      )
    )
    .handle("unsubscribe", ({ path, urlParams }) =>
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        const body = yield* request.text.pipe(Effect.orElseSucceed(() => ""))
        const { action, keep } = readForm(body.length > 65_536 ? "" : body)
        const link = { path, topic: urlParams.topic }
        const outcome =
          action === "save"
            ? yield* SavePreferences(link, keep)
            : yield* UnsubscribeByLink(link, action === "one_click" ? "one_click" : "page", action === "all")
        return html(outcomePage[outcome])
      }).pipe(Effect.catchTag("TrackingLinkInvalid", invalidPage))
    )
)
