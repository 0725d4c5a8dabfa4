import { useCallback, useEffect, useState } from "react"
import { ApiProblem } from "./api"

const problemOf = (error: unknown) =>
  error instanceof ApiProblem ? error : new ApiProblem("internal_error", String(error), undefined)

/** Loads a page's data, and reloads it after a change. */
export const useLoad = <A>(load: () => Promise<A>) => {
  const [data, setData] = useState<A | undefined>()
  const [problem, setProblem] = useState<ApiProblem | undefined>()
  // biome-ignore lint/correctness/useExhaustiveDependencies: a page loads once, and again on reload().
  const reload = useCallback(async () => {
    try {
      setData(await load())
      setProblem(undefined)
    } catch (error) {
      setProblem(problemOf(error))
    }
  }, [])
  useEffect(() => {
    void reload()
  }, [reload])
  return { data, problem, reload }
}

/**
 * Loads data when `deps` change, and again every `everyMs` for as long as `again` says the
 * answer is still moving (mail being sent, a webhook on its way). An answer that comes back after `deps` changed is
 * dropped, so a slow read never overwrites a newer one.
 */
export const usePolled = <A>(
  load: () => Promise<A>,
  again: (answer: A) => boolean,
  everyMs: number,
  deps: ReadonlyArray<unknown>,
  /** Called when an answer is still no longer moving after one that was. */
  settled?: () => void
) => {
  const [data, setData] = useState<A | undefined>()
  const [problem, setProblem] = useState<ApiProblem | undefined>()
  const readAgainOn = JSON.stringify(deps)
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller names what a new read waits on.
  useEffect(() => {
    let live = true
    let moving = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const read = async () => {
      try {
        const answer = await load()
        if (!live) return
        setData(answer)
        setProblem(undefined)
        if (again(answer)) {
          moving = true
          timer = setTimeout(read, everyMs)
        } else if (moving) {
          moving = false
          settled?.()
        }
      } catch (error) {
        if (live) setProblem(problemOf(error))
      }
    }
    void read()
    return () => {
      live = false
      if (timer !== undefined) clearTimeout(timer)
    }
  }, [readAgainOn])
  return { data, problem }
}
