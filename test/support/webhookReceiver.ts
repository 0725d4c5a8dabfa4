import { createHmac, timingSafeEqual } from "node:crypto"
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http"
import { Webhook } from "standardwebhooks"

export interface ReceivedWebhook {
  readonly path: string
  readonly headers: IncomingHttpHeaders
  /** The raw body exactly as it came over the wire. */
  readonly body: string
  readonly at: number
}

/** How the receiver answers a path: a status, or a function given the response. */
export type Behaviour = number | ((res: ServerResponse, hit: number) => void)

export interface WebhookReceiver {
  readonly url: (path: string) => string
  readonly received: Array<ReceivedWebhook>
  readonly on: (path: string, behaviour: Behaviour) => void
  readonly at: (path: string) => Array<ReceivedWebhook>
  readonly close: () => Promise<void>
}

/** A real HTTP server on loopback standing in for customers' webhook endpoints. */
export const startWebhookReceiver = async (): Promise<WebhookReceiver> => {
  const received: Array<ReceivedWebhook> = []
  const behaviours = new Map<string, Behaviour>()
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const path = req.url ?? "/"
      received.push({
        path,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        at: Date.now()
      })
      const behaviour = behaviours.get(path) ?? 200
      const hit = received.filter((r) => r.path === path).length
      if (typeof behaviour === "number")
        res.writeHead(behaviour, { "content-type": "text/plain" }).end(`status ${behaviour}`)
      else behaviour(res, hit)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received,
    on: (path, behaviour) => behaviours.set(path, behaviour),
    at: (path) => received.filter((r) => r.path === path),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/**
 * The official SDK's verification: split the header on commas, keep `sha256=` elements with
 * even-length hex, HMAC-SHA256 the raw payload with the secret's UTF-8 bytes, compare in
 * constant time against each.
 */
export const verifyPostStackSignature = (payload: string, header: string, secret: string): boolean => {
  const expected = createHmac("sha256", Buffer.from(secret, "utf8")).update(payload, "utf8").digest()
  return header
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.startsWith("sha256="))
    .map((part) => part.slice("sha256=".length))
    .filter((hex) => hex.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(hex))
    .some((hex) => {
      const given = Buffer.from(hex, "hex")
      return given.length === expected.length && timingSafeEqual(given, expected)
    })
}

/** The Standard Webhooks reference library's verdict (it throws on a bad signature). */
export const verifyStandard = (received: ReceivedWebhook, secret: string): boolean => {
  try {
    new Webhook(secret).verify(received.body, {
      "webhook-id": String(received.headers["webhook-id"]),
      "webhook-timestamp": String(received.headers["webhook-timestamp"]),
      "webhook-signature": String(received.headers["webhook-signature"])
    })
    return true
  } catch {
    return false
  }
}

/** Polls until `check` holds, or fails with what it last saw. */
export const eventually = async <T>(
  probe: () => Promise<T> | T,
  check: (value: T) => boolean,
  timeoutMs = 10_000
) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (check(value)) return value
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${timeoutMs} ms: ${JSON.stringify(value)}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
