import { HttpApiBuilder, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import {
  CheckUnsubscribeLink,
  FollowClick,
  type LinkPath,
  RecordOpen,
  Unsubscribe,
  type Visit
} from "@poststack/application"
import { Effect } from "effect"
import { Api } from "@poststack/contract"
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
  "x-robots-tag": "noindex"
}

const visit = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  return {
    userAgent: request.headers["user-agent"] ?? "",
    ip: yield* clientAddress,
    head: request.method === "HEAD"
  } satisfies Visit
})

const html = (body: string) =>
  HttpServerResponse.text(body, { contentType: "text/html; charset=utf-8", headers: PAGE_HEADERS })

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
    .handle("unsubscribePage", ({ path }) => CheckUnsubscribeLink(path).pipe(Effect.as(html(page.confirm))))
    .handle("unsubscribe", ({ path }) =>
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        const body = yield* request.text.pipe(Effect.orElseSucceed(() => ""))
        // RFC 8058: mailbox providers POST exactly this; anything else came from our page's button.
        const via = /(^|&)List-Unsubscribe=One-Click(&|$)/.test(body.trim()) ? "one_click" : "page"
        const outcome = yield* Unsubscribe(path, via)
        return html(outcome._tag === "Unsubscribed" ? page.done : page.gone)
      })
    )
)
