import { Either } from "effect"

/**
 * The visual builder's document, compiled to MJML here and to responsive HTML by the engine
 * adapter. Accepted: `{ blocks: Block[], backgroundColor?, contentBackgroundColor?, contentWidth? }`
 * or a bare `Block[]`. Blocks (`type` plus):
 *
 * - `heading`: `text`, `level?` (1-3), `align?`
 * - `text`: `text` (plain, line breaks kept), `align?`
 * - `button`: `text`, `url` (http(s), `mailto:` or a `{{variable}}`), `color?`, `textColor?`
 * - `image`: `src` (https or http), `alt?`, `href?`, `width?` (px)
 * - `divider`, `spacer` (`height?` px, 1-200)
 *
 * Texts may hold `{{variables}}`: the compiled HTML is a template like any other.
 */
const COLOR = /^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$/
const LINK = /^(https?:\/\/[^\s"<>]+|mailto:[^\s"<>]+|\{\{\s*[A-Za-z_][\w.]*\s*\}\})$/
const IMAGE = /^https?:\/\/[^\s"<>]+$/
const ALIGN = new Set(["left", "center", "right"])

const escapeText = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;")

type Fields = Readonly<Record<string, unknown>>

const text = (block: Fields, key: string, index: number): Either.Either<string, string> => {
  const value = block[key]
  return typeof value === "string" && value.length > 0 && value.length <= 10_000
    ? Either.right(value)
    : Either.left(`block ${index}: ${key} must be a non-empty string`)
}

const optional = (
  block: Fields,
  key: string,
  pattern: RegExp | Set<string>,
  index: number
): Either.Either<string | undefined, string> => {
  const value = block[key]
  if (value === undefined || value === null) return Either.right(undefined)
  const ok = typeof value === "string" && (pattern instanceof Set ? pattern.has(value) : pattern.test(value))
  return ok ? Either.right(value as string) : Either.left(`block ${index}: ${key} is not valid`)
}

const pixels = (
  block: Fields,
  key: string,
  min: number,
  max: number,
  index: number
): Either.Either<number | undefined, string> => {
  const value = block[key]
  if (value === undefined || value === null) return Either.right(undefined)
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max
    ? Either.right(value)
    : Either.left(`block ${index}: ${key} must be a whole number from ${min} to ${max}`)
}

const attr = (name: string, value: string | number | undefined) =>
  value === undefined ? "" : ` ${name}="${escapeText(String(value))}"`

const block = (raw: unknown, index: number): Either.Either<string, string> =>
  Either.gen(function* () {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw))
      return yield* Either.left(`block ${index}: must be an object`)
    const b = raw as Fields
    const align = yield* optional(b, "align", ALIGN, index)
    switch (b.type) {
      case "heading": {
        const level = yield* pixels(b, "level", 1, 3, index)
        const size = [28, 22, 18][(level ?? 1) - 1]
        return `<mj-text font-size="${size}px" font-weight="bold"${attr("align", align)}>${escapeText(yield* text(b, "text", index))}</mj-text>`
      }
      case "text":
        return `<mj-text font-size="16px" line-height="1.5"${attr("align", align)}>${escapeText(yield* text(b, "text", index)).replaceAll("\n", "<br />")}</mj-text>`
      case "button": {
        const label = yield* text(b, "text", index)
        const url = yield* text(b, "url", index)
        if (!LINK.test(url))
          return yield* Either.left(`block ${index}: url must be http(s), mailto: or a {{variable}}`)
        const color = yield* optional(b, "color", COLOR, index)
        const textColor = yield* optional(b, "textColor", COLOR, index)
        return `<mj-button href="${escapeText(url)}"${attr("background-color", color)}${attr("color", textColor)}${attr("align", align)}>${escapeText(label)}</mj-button>`
      }
      case "image": {
        const src = yield* text(b, "src", index)
        if (!IMAGE.test(src)) return yield* Either.left(`block ${index}: src must be an http(s) URL`)
        const href = yield* optional(b, "href", LINK, index)
        const alt = typeof b.alt === "string" ? b.alt : ""
        const width = yield* pixels(b, "width", 1, 1200, index)
        return `<mj-image src="${escapeText(src)}" alt="${escapeText(alt)}"${attr("href", href)}${width === undefined ? "" : ` width="${width}px"`}${attr("align", align)} />`
      }
      case "divider":
        return `<mj-divider border-width="1px" border-color="#e5e7eb" />`
      case "spacer":
        return `<mj-spacer height="${(yield* pixels(b, "height", 1, 200, index)) ?? 24}px" />`
      default:
        return yield* Either.left(
          `block ${index}: type must be one of heading, text, button, image, divider, spacer`
        )
    }
  })

/** The document as MJML markup, or what is wrong with it. */
export const blocksToMjml = (document: unknown): Either.Either<string, string> =>
  Either.gen(function* () {
    const doc: Fields = Array.isArray(document)
      ? { blocks: document }
      : document !== null && typeof document === "object"
        ? (document as Fields)
        : {}
    const blocks = doc.blocks
    if (!Array.isArray(blocks) || blocks.length === 0)
      return yield* Either.left("must be an object with a non-empty blocks array")
    if (blocks.length > 200) return yield* Either.left("at most 200 blocks")
    const background = yield* optional(doc, "backgroundColor", COLOR, -1).pipe(
      Either.mapLeft(() => "backgroundColor must be a #rgb or #rrggbb colour")
    )
    const content = yield* optional(doc, "contentBackgroundColor", COLOR, -1).pipe(
      Either.mapLeft(() => "contentBackgroundColor must be a #rgb or #rrggbb colour")
    )
    const width = yield* pixels(doc, "contentWidth", 320, 1200, -1).pipe(
      Either.mapLeft(() => "contentWidth must be a whole number from 320 to 1200")
    )
    const body: Array<string> = []
    for (const [i, b] of blocks.entries()) body.push(yield* block(b, i))
    return [
      "<mjml><mj-body",
      attr("background-color", background ?? "#f4f4f5"),
      attr("width", width === undefined ? undefined : `${width}px`),
      `><mj-section${attr("background-color", content ?? "#ffffff")} padding="24px">`,
      `<mj-column>${body.join("")}</mj-column></mj-section></mj-body></mjml>`
    ].join("")
  })
