import { Cause, ConfigError, Option } from "effect"

/**
 * One line for the operator: why a process could not start (or stopped) and what to change. A
 * `StartupProblem` already says it; a configuration error names the variable; anything else is
 * the error's first line, with the full cause left to the debug log.
 */
export const describeFailure = (
  cause: Cause.Cause<unknown>
): { readonly line: string; readonly known: boolean } => {
  const error = Option.orElse(Cause.failureOption(cause), () => Cause.dieOption(cause)).pipe(
    Option.getOrUndefined
  )
  if (isTagged(error, "StartupProblem")) return { line: (error as { message: string }).message, known: true }
  if (ConfigError.isConfigError(error)) return { line: describeConfigError(error), known: true }
  const message =
    error instanceof Error
      ? error.message
      : typeof error === "string"
        ? error
        : Cause.pretty(cause, { renderErrorCause: false })
  const first = message.split("\n").find((l) => l.trim() !== "") ?? "unknown failure"
  return { line: first.trim(), known: false }
}

const isTagged = (value: unknown, tag: string) =>
  typeof value === "object" && value !== null && (value as { _tag?: unknown })._tag === tag

const describeConfigError = (error: ConfigError.ConfigError): string => {
  switch (error._op) {
    case "And":
    case "Or":
      return describeConfigError(error.left)
    case "MissingData": {
      const name = error.path.join("_")
      return error.message.includes(name) ? error.message : `${name} is not set: set it in the environment`
    }
    case "InvalidData": {
      const name = error.path.join("_")
      return error.message.includes(name) ? error.message : `${name} is not valid (${error.message}): fix it`
    }
    default:
      return `configuration cannot be read (${error.message})`
  }
}
