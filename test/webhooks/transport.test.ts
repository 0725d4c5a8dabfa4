import { createServer, type Server } from "node:net"
import { NodeDnsResolver, NodeHttpWebhookTransport } from "@poststack/adapters-external"
import { WebhookTransport } from "@poststack/application"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

/** A raw TCP server, so the test writes exactly the bytes a broken receiver would. */
describe("webhook transport against receivers that misbehave on the wire", () => {
  let server: Server
  let port: number
  const replies = new Map<string, (socket: import("node:net").Socket) => void>()
  const transport = NodeHttpWebhookTransport.layer({ allowLoopback: true, timeoutMs: 1_000 }).pipe(
    Layer.provide(NodeDnsResolver.layer({ servers: ["127.0.0.1:1"], timeoutMs: 500 }))
  )
  const post = (path: string) =>
    Effect.runPromise(
      Effect.flatMap(WebhookTransport, (t) =>
        t.post({ url: `http://127.0.0.1:${port}${path}`, body: "{}", headers: {} })
      ).pipe(Effect.provide(transport))
    )

  beforeAll(async () => {
    server = createServer((socket) => {
      let head = ""
      socket.on("data", (chunk) => {
        head += chunk.toString("latin1")
        const path = /^POST (\S+)/.exec(head)?.[1]
        if (path !== undefined && head.includes("\r\n\r\n{}")) replies.get(path)?.(socket)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const address = server.address()
    port = typeof address === "object" && address !== null ? address.port : 0
    replies.set("/cut", (s) => {
      s.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf an ans")
      s.destroy()
    })
    replies.set("/whole", (s) => s.end("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"))
    replies.set("/close-delimited", (s) => s.end("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close"))
    replies.set("/stall", (s) => s.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nstart"))
    replies.set("/busy", (s) =>
      s.end(
        "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
      )
    )
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it("fails an answer the receiver cut off after its status line", async () => {
    const outcome = await post("/cut")
    expect(outcome._tag).toBe("Failed")
    expect(outcome._tag === "Failed" && outcome.reason).toMatch(/mid-response \(after status 200\)/)
  })

  it("fails an answer that stalls after its status line, with the time-out as the reason", async () => {
    const outcome = await post("/stall")
    expect(outcome._tag === "Failed" && outcome.reason).toMatch(/timed out after 1000 ms/)
  })

  it("takes whole answers, with a length or until the connection closes, and keeps Retry-After", async () => {
    expect(await post("/whole")).toMatchObject({ _tag: "Responded", status: 200, body: "ok" })
    expect(await post("/close-delimited")).toMatchObject({
      _tag: "Responded",
      status: 200,
      body: "until close"
    })
    expect(await post("/busy")).toMatchObject({ _tag: "Responded", status: 429, retryAfter: "7" })
  })
})
