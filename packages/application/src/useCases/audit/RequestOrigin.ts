import { Context } from "effect"

/**
 * Where the request being served came from: the client's address (behind trusted proxies, the
 * forwarded one) and its user agent. The HTTP door provides it for each request; outside a
 * request (the CLI, the worker) there is none, and entries record `null` for both.
 */
export class RequestOrigin extends Context.Tag("@poststack/application/RequestOrigin")<
  RequestOrigin,
  { readonly address: string | null; readonly userAgent: string | null }
>() {}
