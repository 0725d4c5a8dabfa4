/**
 * Text we keep must be valid Unicode without NUL: a NUL character cannot be stored as text at all,
 * and a lone UTF-16 surrogate (half of a pair, as `"\uD800"` in JSON) is no character, so it can
 * neither be encoded as UTF-8 nor stored as JSON. Either one used to fail at the database.
 */
// `isWellFormed` is ES2024 (Node 20 has it; this project's TypeScript lib is ES2023). It is about
// ten times faster than a `/\p{Cs}/u` test, which matters on the bodies of every send.
const wellFormed = (text: string): boolean => (text as string & { isWellFormed(): boolean }).isWellFormed()

/**
 * Whether a name or label is one line (true, or why not, as a schema filter answers): names go
 * into mail (an invitation's subject, a preference page's list, a topic's mail), where a line
 * break or other control character has no place.
 */
export const oneLine = (text: string): true | string =>
  ![...text].some((c) => c < " " || c === "\u007f") || "name must be one line, without control characters"

/** Why this text cannot be kept, as the end of a sentence naming the field; undefined when it can. */
export const textProblem = (text: string): string | undefined => {
  if (text.includes("\0")) return "must not contain NUL characters"
  if (!wellFormed(text)) return "must not contain a lone UTF-16 surrogate (half of a character)"
  return undefined
}

/**
 * The text with NUL characters removed and each lone surrogate replaced by U+FFFD, as a decoder
 * replaces bytes it cannot read: for mail we receive, which is kept rather than refused.
 */
export const storableText = (text: string): string =>
  text.includes("\0") || !wellFormed(text) ? text.replaceAll("\0", "").replace(/\p{Cs}/gu, "\uFFFD") : text

/** The first string anywhere in a JSON-like value (keys included) that cannot be kept, with its path. */
export const findTextProblem = (
  value: unknown
): { readonly path: string; readonly problem: string } | undefined => {
  // A stack, not recursion: the value may be nested deeper than the call stack allows.
  const stack: Array<readonly [unknown, string]> = [[value, ""]]
  const join = (path: string, key: string | number) => (path === "" ? String(key) : `${path}.${key}`)
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [v, path] = next
    if (typeof v === "string") {
      const problem = textProblem(v)
      if (problem !== undefined) return { path, problem }
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], join(path, i)])
    } else if (v !== null && typeof v === "object") {
      for (const [key, item] of Object.entries(v).reverse()) {
        const problem = textProblem(key)
        if (problem !== undefined) return { path: join(path, "(a key)"), problem }
        stack.push([item, join(path, key)])
      }
    }
  }
  return undefined
}
