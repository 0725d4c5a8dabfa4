import { HttpServerRequest } from "@effect/platform"
import { Context, Effect, Option } from "effect"

/** How many reverse proxies in front of us append to `X-Forwarded-For` (0: trust none of it). */
export class TrustedProxies extends Context.Tag("@poststack/adapters-http/TrustedProxies")<
  TrustedProxies,
  { readonly hops: number }
>() {}

/**
 * The client's address: the socket's, or behind `hops` trusted proxies the entry the outermost
 * of them appended to `X-Forwarded-For` (entries further left are the client's own claims).
 */
export const clientAddress = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  const { hops } = yield* TrustedProxies
  const socket = Option.getOrUndefined(request.remoteAddress)
  const forwarded = request.headers["x-forwarded-for"]
  if (hops <= 0 || forwarded === undefined) return socket
  const entries = forwarded
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "")
  return entries[entries.length - hops] ?? socket
})
