import type { Mailbox } from "@poststack/domain"
import { Context, type Option } from "effect"

/**
 * Where the product's own mail (welcome and verification, password reset, security notices,
 * invitations) comes from, and where its links point.
 */
export class SystemMailSettings extends Context.Tag("@poststack/application/SystemMailSettings")<
  SystemMailSettings,
  {
    /** `POSTSTACK_SYSTEM_FROM`; none: system mail is not sent (and a warning says so). */
    readonly from: Option.Option<Mailbox>
    /** The base URL links in system mail start with. */
    readonly publicUrl: string
  }
>() {}
