import { createServer, type IncomingHttpHeaders } from "node:http"
import { RspamdSpamChecker } from "@poststack/adapters-external"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

/** What rspamd's `/checkv2` is asked, seen by a loopback server that answers as rspamd does. */
describe("asking rspamd about a received message", () => {
  const seen: Array<{ headers: IncomingHttpHeaders; body: string }> = []
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      seen.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") })
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ is_skipped: false, score: 2.5, required_score: 15, action: "no action" }))
    })
  })
  let checker: ReturnType<typeof RspamdSpamChecker.make>

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    checker = RspamdSpamChecker.make({ url: new URL(`http://127.0.0.1:${port}`), timeoutMs: 5_000 })
  })
  afterAll(() => new Promise((resolve) => server.close(resolve)))

  const message = new TextEncoder().encode("Subject: hi\r\n\r\nhello\r\n")

  it("sends the envelope and the connecting client as rspamd's From, Rcpt, IP and Helo", async () => {
    const outcome = await Effect.runPromise(
      checker.check(message, {
        from: "ann@sender.test",
        to: ["support@inbox.test", "sales@inbox.test"],
        client: { ip: "203.0.113.7", helo: "mta.sender.test" }
      })
    )
    expect(outcome).toMatchObject({ _tag: "Scored", verdict: { score: 2.5, action: "no_action" } })
    const asked = seen.at(-1)
    expect(asked?.headers).toMatchObject({
      from: "ann@sender.test",
      rcpt: "support@inbox.test, sales@inbox.test",
      ip: "203.0.113.7",
      helo: "mta.sender.test"
    })
    expect(asked?.body).toBe("Subject: hi\r\n\r\nhello\r\n")
  })

  it("leaves out what Node could not send as a header (a HELO with control or non-ASCII bytes), and still asks", async () => {
    const outcome = await Effect.runPromise(
      checker.check(message, {
        from: "",
        to: ["support@inbox.test", "jöran@inbox.test"],
        client: { ip: "::1", helo: "bad\u0001name" }
      })
    )
    expect(outcome._tag).toBe("Scored")
    const asked = seen.at(-1)
    expect(asked?.headers.helo).toBeUndefined()
    expect(asked?.headers.from).toBeUndefined()
    expect(asked?.headers.rcpt).toBe("support@inbox.test")
    expect(asked?.headers.ip).toBe("::1")
  })

  it("sends no IP or Helo for a message that was not received (a preview)", async () => {
    await Effect.runPromise(checker.check(message, { from: "news@acme.test", to: ["reader@example.com"] }))
    const asked = seen.at(-1)
    expect(asked?.headers.ip).toBeUndefined()
    expect(asked?.headers.helo).toBeUndefined()
  })
})
