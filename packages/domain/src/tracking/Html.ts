/** What an HTML parser found that tracking may change: spans are offsets into the original text. */
export interface HtmlScan {
  /** Each `href` of an `<a>` or `<area>`: the whole attribute's span and its decoded value. */
  readonly links: ReadonlyArray<{ readonly start: number; readonly end: number; readonly href: string }>
  /** Where the last `</body>` starts, if the document has one. */
  readonly bodyClose: number | undefined
}

export interface TrackingPlan {
  /** The tracked URL for a link's target, or `undefined` to leave the link alone. */
  readonly link: ((target: string) => string) | undefined
  readonly pixel: string | undefined
}

export const escapeAttribute = (value: string): string =>
  value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

/** An invisible 1x1 image; `alt=""` keeps it out of screen readers and text renderings. */
export const pixelTag = (url: string): string =>
  `<img src="${escapeAttribute(url)}" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0;margin:0;padding:0" />`

/**
 * Rewrites the links the plan tracks and adds the pixel before `</body>` (or at the end), touching
 * nothing else: every byte outside a rewritten attribute is kept as written.
 */
export const applyTracking = (
  html: string,
  scan: HtmlScan,
  plan: TrackingPlan,
  trackable: (href: string) => string | undefined
): string => {
  const edits: Array<{ start: number; end: number; text: string }> = []
  if (plan.link !== undefined) {
    for (const link of scan.links) {
      const target = trackable(link.href)
      if (target === undefined) continue
      edits.push({ start: link.start, end: link.end, text: `href="${escapeAttribute(plan.link(target))}"` })
    }
  }
  if (plan.pixel !== undefined) {
    const at = scan.bodyClose ?? html.length
    edits.push({ start: at, end: at, text: pixelTag(plan.pixel) })
  }
  edits.sort((a, b) => a.start - b.start)
  let out = ""
  let cursor = 0
  for (const edit of edits) {
    if (edit.start < cursor) continue
    out += html.slice(cursor, edit.start) + edit.text
    cursor = edit.end
  }
  return out + html.slice(cursor)
}
