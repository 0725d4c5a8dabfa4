import { findTextProblem, textProblem } from "@poststack/domain"

/** The deepest nesting of arrays and objects a JSON body may have; no route needs more than a few. */
export const MAX_JSON_DEPTH = 32

/**
 * Whether JSON text nests arrays and objects deeper than `max`, read without parsing it: parsing
 * and then decoding a deep value costs seconds and overflows the stack on the way. Strings are
 * skipped with `indexOf`, so a body that is mostly text (or base64) costs little.
 */
export const nestsDeeperThan = (text: string, max: number): boolean => {
  let depth = 0
  let i = 0
  while (i < text.length) {
    const c = text.charCodeAt(i)
    if (c === 0x22) {
      // The closing quote is the next one not escaped by an odd run of backslashes.
      let end = text.indexOf('"', i + 1)
      for (;;) {
        if (end === -1) return false // unterminated: the parser says so
        let backslashes = 0
        while (text.charCodeAt(end - 1 - backslashes) === 0x5c) backslashes++
        if (backslashes % 2 === 0) break
        end = text.indexOf('"', end + 1)
      }
      i = end + 1
      continue
    }
    if (c === 0x5b || c === 0x7b) {
      depth++
      if (depth > max) return true
    } else if (c === 0x5d || c === 0x7d) depth--
    i++
  }
  return false
}

/**
 * A NUL or a lone surrogate can only reach a JSON string through an escape (raw control characters
 * are not JSON, and decoding UTF-8 never yields a surrogate): without one, no string needs a look.
 */
const SUSPECT_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/

const describe = (found: { readonly path: string; readonly problem: string }) =>
  found.path === "" ? `Request body ${found.problem}` : `${found.path}: ${found.problem}`

/**
 * What is wrong with a request body, read as the route will read it (the same content-type rules
 * as `HttpApiBuilder`: JSON when the type says so in any case, or when there is no type), or
 * undefined. A body that does not parse is left for the route, which reports it.
 */
export const bodyProblem = (contentTypeHeader: string | undefined, text: string): string | undefined => {
  const contentType = contentTypeHeader ? contentTypeHeader.toLowerCase().trim() : "application/json"
  if (contentType.includes("application/json")) {
    if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
      return `Request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`
    }
    if (!SUSPECT_ESCAPE.test(text)) return undefined
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return undefined
    }
    const found = findTextProblem(value)
    return found === undefined ? undefined : describe(found)
  }
  if (contentType.includes("multipart/form-data")) return undefined
  if (contentType.includes("x-www-form-urlencoded")) {
    for (const [key, value] of new URLSearchParams(text)) {
      const problem = textProblem(key) ?? textProblem(value)
      if (problem !== undefined) return describe({ path: key, problem })
    }
    return undefined
  }
  if (contentType.startsWith("text/")) {
    const problem = textProblem(text)
    return problem === undefined ? undefined : describe({ path: "", problem })
  }
  return undefined
}
