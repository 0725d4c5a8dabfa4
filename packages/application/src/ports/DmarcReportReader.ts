import type { ParsedAttachment } from "@poststack/domain"
import { Context, type Effect } from "effect"
import type { MessageUnreadable } from "./MailParser.js"

/** Opens a DMARC aggregate report attachment (XML, gzip or zip) into its element tree. */
export class DmarcReportReader extends Context.Tag("@poststack/application/DmarcReportReader")<
  DmarcReportReader,
  { readonly read: (part: ParsedAttachment) => Effect.Effect<unknown, MessageUnreadable> }
>() {}
