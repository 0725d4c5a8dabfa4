import { Context } from "effect"

/**
 * Signs and checks tracking and unsubscribe links with a server-side key (HMAC), and knows the
 * public address recipients reach them at.
 */
export class TrackingLinks extends Context.Tag("@poststack/application/TrackingLinks")<
  TrackingLinks,
  {
    /** `https://host[:port][/prefix]` as recipients reach this deployment. */
    readonly publicUrl: string
    /** A short URL-safe signature of `input`. */
    readonly sign: (input: string) => string
    /** Constant-time check of a signature made by `sign`. */
    readonly verify: (input: string, signature: string) => boolean
  }
>() {}
