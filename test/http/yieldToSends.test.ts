import { createServer, connect, type Server } from "node:net"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { yieldToSends } from "../../packages/adapters-http/src/handlers/yieldToSends.js"

// A loopback echo server: its answer can only be read when the event loop polls the socket.
let server: Server
let port: number
beforeAll(async () => {
  server = createServer((socket) => socket.on("data", (data) => socket.write(data)))
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  port = (server.address() as AddressInfo).port
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

/** About a million Effect operations of pure work: well over 100 ms of one core. */
const work = Effect.iterate(0, { while: (n) => n < 300_000, body: (n) => Effect.succeed(n + 1) })

/**
 * Starts `effect`, then sends a line over loopback while it runs: which came first, the echo or
 * the end of the work.
 */
const race = async (effect: Effect.Effect<number>) => {
  const socket = connect(port, "127.0.0.1")
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()))
  const order: Array<string> = []
  const echoed = new Promise<void>((resolve) =>
    socket.once("data", () => {
      order.push("echo")
      resolve()
    })
  )
  const done = Effect.runPromise(effect).then(() => {
    order.push("work")
  })
  socket.write("ping")
  await Promise.all([echoed, done])
  socket.destroy()
  return order
}

describe("yieldToSends", () => {
  it("lets a request that arrives during a long piece of work be answered before the work ends", async () => {
    expect(await race(yieldToSends(work))).toEqual(["echo", "work"])
  })

  it("is what makes the difference: the same work on Effect's default scheduler holds the event loop to its end", async () => {
    expect(await race(work)).toEqual(["work", "echo"])
  })
})
