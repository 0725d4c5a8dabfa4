import type { ParsedUserAgent } from "@poststack/domain"
import { Context } from "effect"

/** Reads browser, operating system and device type out of a `User-Agent` header. */
export class UserAgentParser extends Context.Tag("@poststack/application/UserAgentParser")<
  UserAgentParser,
  { readonly parse: (userAgent: string) => ParsedUserAgent }
>() {}
