/** A quoted line: `>` first, after any indentation. */
const QUOTED = /^[ \t]*>/

/**
 * The attribution that introduces a quote, as mail clients write it (Gmail, Apple Mail,
 * Thunderbird, Outlook on the web), in the languages they most often write it in. Tested
 * against the whole line, or two lines joined where the client wrapped it.
 */
const ATTRIBUTIONS = [
  /\bwrote\s*:$/i,
  /^Am\s.*\bschrieb\b.*:$/,
  /^Le\s.*\ba écrit\s*:$/,
  /^El\s.*\bescribió\s*:$/,
  /^Op\s.*\bschreef\b.*:$/,
  /^Il\s.*\bha scritto\s*:$/
]

/** How a wrapped attribution's first line starts ("On Mon, 7 Dec…"), in the same languages. */
const OPENER = /^[ \t]*(On|Am|Le|El|Op|Il)\s/

/** The line Outlook puts above the message it quotes, in a few of its languages. */
const ORIGINAL_MESSAGE =
  /^[ \t]*-{2,}[ \t]*(Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original|Messaggio originale|Oorspronkelijk bericht)[ \t]*-{2,}[ \t]*$/i

/** The header block Outlook writes above a quoted message: From, then Sent or Date, then To or Subject. */
const HEADER_FROM = /^[ \t]*\*?(From|Von|De)[ \t]*:\*?[ \t]*\S/
const HEADER_DATE = /^[ \t]*\*?(Sent|Date|Gesendet|Datum|Envoyé|Enviado)[ \t]*:\*?[ \t]*\S/
const HEADER_OTHER = /^[ \t]*\*?(To|Subject|An|Betreff|À|Objet|Para|Asunto)[ \t]*:\*?/

/** A separator line of underscores or dashes only, which Outlook draws above its header block. */
const RULE = /^[ \t]*(_{5,}|-{5,})[ \t]*$/

/** What phones add after the reply. */
const MOBILE_SIGNATURE = /^[ \t]*(Sent from my \S.*|Get Outlook for (iOS|Android).*)$/i

const isBlank = (line: string | undefined) => line === undefined || line.trim() === ""

const attributes = (line: string) => {
  const trimmed = line.trim()
  return trimmed.length > 0 && trimmed.length <= 400 && ATTRIBUTIONS.some((re) => re.test(trimmed))
}

/** Whether only a quote, or nothing, follows line `from` (blank lines skipped). */
const quoteFollows = (lines: ReadonlyArray<string>, from: number) => {
  let i = from
  while (i < lines.length && isBlank(lines[i])) i++
  return i >= lines.length || QUOTED.test(lines[i] ?? "")
}

/** How many lines at `i` are an attribution introducing a quote: 0, 1, or 2 when the client wrapped it. */
const attributionAt = (lines: ReadonlyArray<string>, i: number) => {
  const line = lines[i] ?? ""
  if (attributes(line) && quoteFollows(lines, i + 1)) return 1
  const next = lines[i + 1]
  if (
    next !== undefined &&
    OPENER.test(line) &&
    !isBlank(next) &&
    attributes(`${line.trim()} ${next.trim()}`)
  ) {
    return quoteFollows(lines, i + 2) ? 2 : 0
  }
  return 0
}

/** Whether the message an Outlook-style client quoted starts at line `i`: all that follows is old. */
const quotedMessageAt = (lines: ReadonlyArray<string>, i: number) => {
  const line = lines[i] ?? ""
  if (ORIGINAL_MESSAGE.test(line)) return true
  if (!HEADER_FROM.test(line)) return false
  const block = lines.slice(i + 1, i + 6)
  return block.some((l) => HEADER_DATE.test(l)) && block.some((l) => HEADER_OTHER.test(l))
}

/**
 * The longest text body that is stripped: 64 KiB costs at most about 15 ms of one core whatever
 * its lines, and it is read on every `GET /inbound`; a sender can make a body hundreds of times
 * larger, and a reply's own text is rarely that long.
 */
export const STRIP_LIMIT = 64 * 1024

/**
 * The new text of a reply's text body: without the lines it quotes (`>`), without the attribution
 * introducing them ("On Mon, 7 Dec 2026 at 10:00, Ann <ann@x.test> wrote:", also wrapped over two
 * lines), without an Outlook-style quoted message ("-----Original Message-----", or a
 * From/Sent/To/Subject block) and all below it, and without a trailing signature (after the last
 * `-- ` line) or a phone's "Sent from my …". Answers between quoted lines are kept. Null without a
 * text body; the text as it is when none of this is in it, or when it is longer than
 * `STRIP_LIMIT`. One pass over the lines.
 */
export const strippedReply = (text: string | null): string | null =>
  text === null ? null : text.length > STRIP_LIMIT ? text : withoutQuotes(text)

/** `strippedReply`'s one pass, at any length. */
export const withoutQuotes = (text: string): string => {
  const lines = text.split(/\r\n|\r|\n/)
  const kept: Array<string> = []
  let changed = false
  // Whether something was removed since the last kept line: two blank lines around it become one.
  let gap = false
  // Whether the last kept line is blank, noted once when it is kept: asking again for each line
  // removed below it would read a long blank line once per quote that follows it.
  let lastBlank = false
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ""
    if (quotedMessageAt(lines, i)) {
      changed = true
      while (kept.length > 0 && (isBlank(kept.at(-1)) || RULE.test(kept.at(-1) ?? ""))) kept.pop()
      break
    }
    if (QUOTED.test(line)) {
      changed = gap = true
      continue
    }
    const attribution = attributionAt(lines, i)
    if (attribution > 0) {
      changed = gap = true
      i += attribution - 1
      continue
    }
    const blank = isBlank(line)
    if (blank && gap && (kept.length === 0 || lastBlank)) continue
    kept.push(line)
    lastBlank = blank
    gap = false
  }
  let end = kept.length
  while (end > 0 && isBlank(kept[end - 1])) end--
  const signature = kept.findLastIndex((line, i) => i < end && line.trimEnd() === "--")
  if (signature >= 0) {
    changed = true
    end = signature
  } else if (end > 0 && MOBILE_SIGNATURE.test(kept[end - 1] ?? "")) {
    changed = true
    end--
  }
  if (!changed) return text
  while (end > 0 && isBlank(kept[end - 1])) end--
  let start = 0
  while (start < end && isBlank(kept[start])) start++
  return kept
    .slice(start, end)
    .join(text.includes("\r\n") ? "\r\n" : "\n")
    .trimEnd()
}
