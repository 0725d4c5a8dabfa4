import { useCallback, useEffect, useState } from "react"
import { ApiProblem } from "./api"

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
      setProblem(
        error instanceof ApiProblem ? error : new ApiProblem("internal_error", String(error), undefined)
      )
    }
  }, [])
  useEffect(() => {
    void reload()
  }, [reload])
  return { data, problem, reload }
}
