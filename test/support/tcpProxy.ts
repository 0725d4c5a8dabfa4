import { connect, createServer, type Socket } from "node:net"

export interface TcpProxy {
  readonly port: number
  /** Cuts every open connection and refuses new ones, as a database that went away would. */
  readonly down: () => void
  readonly up: () => void
  readonly close: () => Promise<void>
}

/** A loopback TCP relay to `target` that a test can take down and bring back. */
export const startTcpProxy = async (target: { host: string; port: number }): Promise<TcpProxy> => {
  const sockets = new Set<Socket>()
  let accepting = true
  const server = createServer((client) => {
    if (!accepting) return client.destroy()
    const upstream = connect(target.port, target.host)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on("close", () => sockets.delete(s))
      s.on("error", () => {
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  if (address === null || typeof address === "string") throw new Error("no TCP address")
  return {
    port: address.port,
    down: () => {
      accepting = false
      for (const s of sockets) s.destroy()
    },
    up: () => {
      accepting = true
    },
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
