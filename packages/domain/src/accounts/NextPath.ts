/**
 * Where `?next=` may send a person after signing in: a path of the same origin as the browser
 * would resolve it against `origin` (so `//host`, `/\host`, tabs and other tricks that leave the
 * origin are refused), else `undefined`. The dashboard applies it to its own origin; the server
 * (which has no page origin of its own to compare with) to a placeholder one, which gives the same
 * answer because only a path that stays on whatever origin it is resolved against passes.
 */
export const sameOriginPath = (next: string | null | undefined, origin: string): string | undefined => {
  if (next === null || next === undefined || !next.startsWith("/")) return undefined
  try {
    const url = new URL(next, origin)
    // Dot segments can leave a path of two slashes (`/.//evil.test` is `//evil.test`), which a
    // browser sent there reads as another host.
    if (url.origin !== new URL(origin).origin || /^\/[/\\]/.test(url.pathname)) return undefined
    return `${url.pathname}${url.search}${url.hash}`
  } catch {
    return undefined
  }
}

/** The server's view of `sameOriginPath`: any origin that no real host can take will do. */
export const sameSitePath = (next: string | null | undefined): string | undefined =>
  sameOriginPath(next, "https://poststack.invalid")
