import { createServer, type ServerResponse } from "node:http"

/** An endpoint as the fault tests know it: its id and the receiver path it points at. */
export interface Hook {
  readonly id: number
  readonly path: string
}

/** How the receiver answers one request. */
export type Answer =
  | { readonly status: number; readonly headers?: Record<string, string>; readonly delayMs?: number }
  /** Takes the request and never answers. */
  | "hang"
  /** Starts a 200 answer, then closes the connection half-way through the body. */
  | "drop"

/** One request as the receiver saw it, with what it did about it. */
export interface Arrival {
  readonly path: string
  /** The envelope's `id`. */
  readonly eventId: string
  /** The `webhook-id` header. */
  readonly headerId: string
  readonly body: string
  readonly at: number
  readonly status: number | "hang" | "drop"
  /** A 2xx: the receiver took the event (at arrival, as a receiver that acts then answers). */
  readonly accepted: boolean
  answeredAt: number
}

/**
 * A webhook receiver on loopback that logs every request's event id and answers per path as the
 * test says, given the request's rank among this event's requests at that path.
 */
export const startLoggingReceiver = async () => {
  const arrivals: Array<Arrival> = []
  const behaviours = new Map<string, (hit: { nth: number; eventId: string }) => Answer>()
  const open = new Map<string, number>()
  const peak = new Map<string, number>()
  const pending = new Set<ServerResponse>()
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const path = req.url ?? "/"
      const body = Buffer.concat(chunks).toString("utf8")
      const eventId = String((JSON.parse(body) as { id: unknown }).id)
      const nth = arrivals.filter((a) => a.path === path && a.eventId === eventId).length + 1
      const answer = behaviours.get(path)?.({ nth, eventId }) ?? { status: 200 }
      const status = typeof answer === "string" ? answer : answer.status
      const arrival: Arrival = {
        path,
        eventId,
        headerId: String(req.headers["webhook-id"]),
        body,
        at: Date.now(),
        status,
        accepted: typeof status === "number" && status >= 200 && status < 300,
        answeredAt: 0
      }
      arrivals.push(arrival)
      open.set(path, (open.get(path) ?? 0) + 1)
      peak.set(path, Math.max(peak.get(path) ?? 0, open.get(path) ?? 0))
      let closed = false
      const close = () => {
        if (closed) return
        closed = true
        pending.delete(res)
        open.set(path, (open.get(path) ?? 1) - 1)
      }
      res.on("close", close)
      pending.add(res)
      if (answer === "hang") return
      if (answer === "drop") {
        arrival.answeredAt = Date.now()
        res.socket?.write(
          "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nok, got i"
        )
        res.socket?.destroy()
        return
      }
      const reply = () => {
        if (res.destroyed) return
        arrival.answeredAt = Date.now()
        res
          .writeHead(answer.status, { "content-type": "text/plain", ...answer.headers })
          .end(`status ${answer.status}`)
      }
      if (answer.delayMs === undefined) reply()
      else setTimeout(reply, answer.delayMs)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    on: (path: string, behaviour: (hit: { nth: number; eventId: string }) => Answer) =>
      behaviours.set(path, behaviour),
    at: (path: string) => arrivals.filter((a) => a.path === path),
    /** Requests at `path` taken and not answered yet. */
    open: (path: string) => open.get(path) ?? 0,
    /** The most requests at `path` open at once. */
    peakOpen: (path: string) => peak.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of pending) res.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
