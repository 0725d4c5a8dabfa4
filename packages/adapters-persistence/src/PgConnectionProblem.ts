import { StartupProblem } from "@poststack/application"
import { Either, Redacted } from "effect"

interface Target {
  readonly host: string
  readonly port: string
  readonly database: string
  readonly user: string
}

/**
 * Reads a PostgreSQL URL the way node-postgres will, or says in one line why it is not one (never
 * echoing it: it may hold a password).
 */
export const parseDatabaseUrl = (url: Redacted.Redacted<string>): Either.Either<Target, StartupProblem> => {
  let parsed: URL
  try {
    parsed = new URL(Redacted.value(url))
  } catch {
    return Either.left(notUrl("it is not a URL"))
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:")
    return Either.left(notUrl(`its scheme is ${parsed.protocol.replace(/:$/, "")}, not postgres`))
  if (parsed.hostname === "") return Either.left(notUrl("it names no host"))
  return Either.right({
    host: parsed.hostname,
    port: parsed.port === "" ? "5432" : parsed.port,
    database:
      decodeURIComponent(parsed.pathname.slice(1)) || decodeURIComponent(parsed.username) || "postgres",
    user: decodeURIComponent(parsed.username) || "the current user"
  })
}

const notUrl = (why: string) =>
  new StartupProblem({
    message: `DATABASE_URL is not a PostgreSQL URL (${why}): write it as postgres://user:password@host:5432/database`
  })

/** One line naming why PostgreSQL could not be reached or refused us, and what to change. */
export const describeConnectionFailure = (target: Target, cause: unknown): StartupProblem => {
  const error = (cause ?? {}) as { code?: unknown; message?: unknown }
  const code = typeof error.code === "string" ? error.code : ""
  const text = typeof error.message === "string" ? error.message : String(cause)
  const at = `${target.host}:${target.port}`
  const message = (() => {
    switch (code) {
      case "ECONNREFUSED":
        return `PostgreSQL refused the connection at ${at}: start PostgreSQL there, or fix the host and port in DATABASE_URL`
      case "ENOTFOUND":
      case "EAI_AGAIN":
        return `the host ${target.host} in DATABASE_URL does not resolve: fix the host name in DATABASE_URL`
      case "ETIMEDOUT":
      case "EHOSTUNREACH":
      case "ENETUNREACH":
        return `PostgreSQL at ${at} cannot be reached (${code}): check the host and port in DATABASE_URL and the network between`
      case "3D000":
        return `database "${target.database}" does not exist on ${at}: create it (createdb ${target.database}) or fix the database name in DATABASE_URL`
      case "28P01":
        return `PostgreSQL refused the password for user "${target.user}" on ${at}: fix the password in DATABASE_URL`
      case "28000":
        return `PostgreSQL refused user "${target.user}" on ${at} (${text}): fix the user in DATABASE_URL, or allow it in pg_hba.conf`
      case "timeout":
        return `PostgreSQL at ${at} did not answer in time: check that it runs and that the host and port in DATABASE_URL are right`
      default:
        if (/password/i.test(text))
          return `PostgreSQL on ${at} asks for a password for user "${target.user}": put it in DATABASE_URL (postgres://user:password@host/database)`
        return `cannot connect to PostgreSQL at ${at} (${text}): check DATABASE_URL`
    }
  })()
  return new StartupProblem({ message })
}
