import type { AddressInfo, Socket } from "node:net"
import { SMTPServer } from "smtp-server"

export interface Received {
  readonly from: string
  readonly to: ReadonlyArray<string>
  readonly raw: Buffer
  /** Whether the session had been upgraded with STARTTLS. */
  readonly secure: boolean
  /** The address the client connected from. */
  readonly remoteAddress: string
}

export interface SmtpSink {
  readonly port: number
  readonly received: Array<Received>
  /** Replies a recipient gets at RCPT TO, e.g. `550 5.1.1 no such user` or `451 4.7.1 later`. */
  readonly replies: Map<string, string>
  /** Messages whose DATA began, accepted or not. */
  readonly dataStarted: () => number
  /** Connections made to the sink so far, whatever came of them. */
  readonly connections: () => number
  /** Holds every message this long after its final dot before answering, as a slow receiver would. */
  dataDelayMs: number
  /**
   * What the receiver does after the final dot of a message to a recipient: never answers
   * (`hang`), or cuts the connection without a reply (`drop`). Messages so treated are not kept.
   */
  readonly afterDot: Map<string, "hang" | "drop">
  /** A reply every recipient gets at RCPT TO (e.g. `451 …` to defer everything); `null` for none. */
  replyToAll: string | null
  readonly close: () => Promise<void>
}

/**
 * A receiving MTA on loopback that records what it accepts, and refuses whom the test says. It
 * offers STARTTLS (smtp-server's self-signed certificate) unless `starttls` is false.
 */
export const startSmtpSink = async (
  listen: { host?: string; port?: number; starttls?: boolean } = {}
): Promise<SmtpSink> => {
  const received: Array<Received> = []
  const replies = new Map<string, string>()
  const afterDot = new Map<string, "hang" | "drop">()
  const sockets = new Map<number, Socket>()
  const state: { started: number; connections: number; delay: number; replyToAll: string | null } = {
    started: 0,
    connections: 0,
    delay: 0,
    replyToAll: null
  }
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: listen.starttls === false ? ["AUTH", "STARTTLS"] : ["AUTH"],
    logger: false,
    size: 50 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      const reply = replies.get(address.address.toLowerCase()) ?? state.replyToAll ?? undefined
      if (reply === undefined) return callback()
      const error = new Error(reply.slice(4)) as Error & { responseCode: number }
      error.responseCode = Number(reply.slice(0, 3))
      callback(error)
    },
    onData(stream, session, callback) {
      // The envelope is reset once the callback runs: read it first.
      const from = session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address
      const to = session.envelope.rcptTo.map((r) => r.address)
      const secure = session.secure
      const remoteAddress = session.remoteAddress
      const fault = to.map((t) => afterDot.get(t.toLowerCase())).find((f) => f !== undefined)
      state.started++
      const chunks: Array<Buffer> = []
      stream.on("data", (chunk: Buffer) => chunks.push(chunk))
      stream.on("end", () => {
        if (fault === "hang") return
        if (fault === "drop") return sockets.get(session.remotePort)?.destroy()
        setTimeout(() => {
          received.push({ from, to, raw: Buffer.concat(chunks), secure, remoteAddress })
          callback(null)
        }, state.delay)
      })
    }
  })
  // Clients that die mid-session (the fault tests kill them) reset their sockets: expected here.
  server.on("error", () => {})
  await new Promise<void>((resolve) =>
    server.listen(listen.port ?? 0, listen.host ?? "127.0.0.1", () => resolve())
  )
  server.server.on("connection", (socket: Socket) => {
    const port = socket.remotePort ?? 0
    state.connections++
    sockets.set(port, socket)
    socket.once("close", () => sockets.delete(port))
  })
  const port = (server.server.address() as AddressInfo).port
  return {
    port,
    received,
    replies,
    afterDot,
    dataStarted: () => state.started,
    connections: () => state.connections,
    get dataDelayMs() {
      return state.delay
    },
    set dataDelayMs(ms: number) {
      state.delay = ms
    },
    get replyToAll() {
      return state.replyToAll
    },
    set replyToAll(reply: string | null) {
      state.replyToAll = reply
    },
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}
