import type { MailHosts } from "@poststack/domain"
import { Context } from "effect"

/** Where this deployment receives and serves mail: every domain's DNS records point here. */
export class MailHostSettings extends Context.Tag("@poststack/application/MailHostSettings")<
  MailHostSettings,
  MailHosts
>() {}
