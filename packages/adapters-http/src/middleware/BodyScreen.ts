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

/**
 * JSON can give an object an own `toString` that is not a function, and `String()` of such an
 * object throws: the decoding of a union keyed by a field (`{"type": {"toString": 1}}`) calls
 * `String()` on that field and died with a 500. No route reads a key of that name, so it is
 * refused wherever it appears. A key may spell it with escapes, hence the second test.
 */
const RESERVED_KEY = "toString"
const MAY_HOLD_RESERVED_KEY = /toString|\\u/

/** The path of the first object holding the reserved key, or undefined. */
const findReservedKey = (value: unknown): string | undefined => {
  const stack: Array<readonly [unknown, string]> = [[value, ""]]
  const join = (path: string, key: string | number) => (path === "" ? String(key) : `${path}.${key}`)
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [v, path] = next
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], join(path, i)])
    } else if (v !== null && typeof v === "object") {
      if (Object.hasOwn(v, RESERVED_KEY)) return path
      for (const [key, item] of Object.entries(v).reverse()) stack.push([item, join(path, key)])
    }
  }
  return undefined
}

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
    const suspectText = SUSPECT_ESCAPE.test(text)
    const suspectKey = MAY_HOLD_RESERVED_KEY.test(text)
    if (!suspectText && !suspectKey) return undefined
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return undefined
    }
    const reserved = suspectKey ? findReservedKey(value) : undefined
    if (reserved !== undefined) {
      return describe({ path: reserved, problem: `must not hold the key "${RESERVED_KEY}"` })
    }
    const found = suspectText ? findTextProblem(value) : undefined
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
