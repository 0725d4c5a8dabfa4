import { sameOriginPath as sameOriginPathOf } from "@poststack/domain"
import { useEffect, useState } from "react"

/** The browser's location, as the pages read it. */
export interface Place {
  readonly path: string
  readonly search: URLSearchParams
  readonly hash: string
}

const read = (): Place => ({
  path: window.location.pathname,
  search: new URLSearchParams(window.location.search),
  hash: window.location.hash
})

const listeners = new Set<() => void>()

/** Moves to another page without a reload, as a link would. */
export const navigate = (to: string, options: { readonly replace?: boolean } = {}) => {
  if (options.replace === true) window.history.replaceState(null, "", to)
  else window.history.pushState(null, "", to)
  for (const listener of listeners) listener()
}

export const usePlace = (): Place => {
  const [place, setPlace] = useState(read)
  useEffect(() => {
    const update = () => setPlace(read())
    listeners.add(update)
    window.addEventListener("popstate", update)
    return () => {
      listeners.delete(update)
      window.removeEventListener("popstate", update)
    }
  }, [])
  return place
}

/** The secret a mailed link carries in its fragment (`#token=…`), which never reaches a server. */
export const tokenFromHash = (hash: string): string | undefined =>
  new URLSearchParams(hash.replace(/^#/, "")).get("token") ?? undefined

/**
 * Where `?next=` may send the person after signing in: a path of this same origin (the rule the
 * server also applies to the GitHub round trip), else nothing.
 */
export const sameOriginPath = (next: string | null): string | undefined =>
  sameOriginPathOf(next, window.location.origin)
