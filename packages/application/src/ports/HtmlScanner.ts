import type { HtmlScan } from "@poststack/domain"
import { Context } from "effect"

/** Finds, with a real HTML parser, the parts of a message body that tracking may rewrite. */
export class HtmlScanner extends Context.Tag("@poststack/application/HtmlScanner")<
  HtmlScanner,
  { readonly scan: (html: string) => HtmlScan }
>() {}
