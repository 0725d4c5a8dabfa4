import type { AddressInfo } from "node:net"
import { Effect, Exit, Runtime } from "effect"
import type { SMTPServer, SMTPServerDataStream, SMTPServerSession } from "smtp-server"

/** An SMTP reply carried as an error, as smtp-server expects: `reply(550, "5.7.1 Relaying denied")`. */
export const reply = (code: number, text: string): Error & { responseCode: number } =>
  Object.assign(new Error(text), { responseCode: code })

/**
 * Neither door offers SMTPUTF8 (`hideSMTPUTF8`): an address with a character outside ASCII is
 * refused where it is given, with RFC 6531's reply, rather than read as some other address
 * (`550 Relaying denied`) or taken and refused only after the message was sent. A client that
 * has such an address must send its ASCII form (an IDN's A-label).
 */
export const nonAsciiAddress = (address: string, role: "sender" | "recipient"): Error | null =>
  /[\u0080-\uffff]/.test(address)
    ? reply(553, `5.6.7 Non-ASCII addresses not permitted for that ${role}`)
    : null

/** Connections one client address may hold open at once, of a server's 200. */
export const MAX_CONNECTIONS_PER_ADDRESS = 20

/**
 * Counts each client address's open connections, so that one address holding idle sockets cannot
 * take every slot of the server (`421` to it past the limit, as Postfix's anvil does). `release`
 * is called from `onClose`, which smtp-server calls for refused connections too.
 */
export const connectionsPerAddress = (max = MAX_CONNECTIONS_PER_ADDRESS) => {
  const open = new Map<string, number>()
  const counted = new Set<string>()
  return {
    onConnect: (session: SMTPServerSession, callback: (error?: Error | null) => void) => {
      const n = open.get(session.remoteAddress) ?? 0
      if (n >= max)
        return callback(reply(421, "4.7.0 Too many connections from your address, try again later"))
      open.set(session.remoteAddress, n + 1)
      counted.add(session.id)
      callback()
    },
    release: (session: SMTPServerSession) => {
      if (!counted.delete(session.id)) return
      const n = (open.get(session.remoteAddress) ?? 1) - 1
      if (n <= 0) open.delete(session.remoteAddress)
      else open.set(session.remoteAddress, n)
    }
  }
}

/** A reply for an effect that failed in a way no callback expected. */
const tempFailure = reply(451, "4.3.0 Temporary failure, try again later")

/**
 * Runs a callback's effect and answers smtp-server's callback: the success value, or the SMTP
 * reply the failure maps to. A defect is logged and answered as a temporary failure.
 */
export const answer = <R, A, E>(
  runtime: Runtime.Runtime<R>,
  effect: Effect.Effect<A, E, R>,
  onFailure: (error: E) => Error,
  callback: (error: Error | null, value?: A) => void
) => {
  // A callback, not a promise: one less allocation and microtask hop per SMTP command.
  Runtime.runCallback(runtime)(effect, {
    onExit: (exit) => {
      if (Exit.isSuccess(exit)) return callback(null, exit.value)
      const failure = exit.cause._tag === "Fail" ? exit.cause.error : undefined
      if (failure !== undefined) return callback(onFailure(failure))
      Runtime.runFork(runtime)(Effect.logError("SMTP callback failed", exit.cause))
      callback(tempFailure)
    }
  })
}

/**
 * Listens on `port` until the scope closes. A port that cannot be bound (taken, or privileged for
 * a non-root user) is logged as a warning: the rest of the process keeps running.
 */
export const listen = (server: SMTPServer, port: number, host: string, what: string) =>
  Effect.acquireRelease(
    Effect.async<number | null>((resume) => {
      const onError = (error: NodeJS.ErrnoException) => {
        const reason = error.code ?? error.message
        resume(
          Effect.as(
            Effect.logWarning(`${what} not started: cannot listen on ${host}:${port} (${reason})`),
            null
          )
        )
      }
      server.server.once("error", onError)
      server.listen(port, host, () => {
        server.server.off("error", onError)
        const bound = (server.server.address() as AddressInfo).port
        resume(Effect.as(Effect.logInfo(`${what} listening on ${host}:${bound}`), bound))
      })
    }),
    (bound) =>
      bound === null
        ? Effect.void
        : Effect.async<void>((resume) => {
            server.close(() => resume(Effect.void))
          })
  )

/**
 * Reads a message's body with plain stream listeners, outside any fiber: the fiber that checks and
 * commits it starts once the body is in, rather than starting, suspending on the stream and being
 * resumed through the scheduler. A body that came in one chunk (most do) is used as it is, not copied.
 */
export const collectBody = (
  stream: SMTPServerDataStream,
  max: number,
  done: (message: { readonly bytes: Uint8Array; readonly tooLarge: boolean }) => void
) => {
  const chunks: Array<Buffer> = []
  let size = 0
  stream.on("data", (chunk: Buffer) => {
    size += chunk.length
    // Past the limit the rest is read and dropped: the client still gets its reply.
    if (size <= max) chunks.push(chunk)
  })
  stream.on("end", () =>
    done({
      bytes: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks),
      tooLarge: stream.sizeExceeded || size > max
    })
  )
}
