import { HtmlScanner } from "@poststack/application"
import type { HtmlScan } from "@poststack/domain"
import { Layer } from "effect"
import { Parser } from "htmlparser2"

const LINK_TAGS = new Set(["a", "area"])

/**
 * htmlparser2 (the tokenizer browsers' quirks are modelled on, entities decoded) finds each link's
 * `href` attribute and where it sits in the source, so rewriting touches only those bytes.
 */
export const scan = (html: string): HtmlScan => {
  const links: Array<{ start: number; end: number; href: string }> = []
  let bodyClose: number | undefined
  let tag = ""
  let seenHref = false
  const parser: Parser = new Parser(
    {
      onopentagname: (name) => {
        tag = name
        seenHref = false
      },
      onattribute: (name, value, quote) => {
        // A repeated href is ignored by browsers; only the first one is the link.
        if (name !== "href" || !LINK_TAGS.has(tag) || seenHref) return
        seenHref = true
        const end = quote === null || quote === undefined ? parser.endIndex : parser.endIndex + 1
        links.push({ start: parser.startIndex, end, href: value })
      },
      onclosetag: (name, implied) => {
        if (name === "body" && !implied) bodyClose = parser.startIndex
      }
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true }
  )
  parser.end(html)
  return { links, bodyClose }
}

export const layer = Layer.succeed(HtmlScanner, HtmlScanner.of({ scan }))
