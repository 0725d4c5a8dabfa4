import dns2 from "dns2"
import { freePort } from "./net.js"

const { Packet } = dns2

type RecordType = "TXT" | "MX" | "CNAME" | "A" | "AAAA"

export interface TestDnsServer {
  /** `127.0.0.1:port`, for `POSTSTACK_DNS_SERVERS` or a `Resolver`. */
  readonly address: string
  /** Adds a record, served with a TTL of `ttl` seconds (60 unless told). */
  readonly publish: (name: string, type: RecordType, value: string, ttl?: number) => void
  readonly unpublish: (name: string, type?: RecordType) => void
  /** While true, every query is answered SERVFAIL, as a broken resolver would. */
  failing: boolean
  readonly queries: Array<string>
  readonly close: () => Promise<void>
}

/** TXT strings are at most 255 bytes each: long values (DKIM keys) go out in chunks, as real zones serve them. */
const chunks = (value: string): Array<string> => {
  const out: Array<string> = []
  for (let i = 0; i < value.length; i += 255) out.push(value.slice(i, i + 255))
  return out
}

/** A real DNS server on loopback (UDP and TCP) that serves what the test publishes, and nothing else. */
export const startDnsServer = async (): Promise<TestDnsServer> => {
  const zone = new Map<string, Array<{ type: RecordType; value: string; ttl: number }>>()
  const key = (name: string) => name.toLowerCase().replace(/\.$/, "")
  const state = { failing: false }
  const queries: Array<string> = []
  const handle: dns2.DnsHandler = (request, send) => {
    const response = Packet.createResponseFromRequest(request)
    const question = request.questions[0]
    if (question === undefined) return send(response)
    const type =
      Object.entries(Packet.TYPE).find(([, v]) => v === question.type)?.[0] ?? String(question.type)
    queries.push(`${type} ${question.name}`)
    if (state.failing) {
      response.header.rcode = 2
      return send(response)
    }
    // A name with no records at all does not exist (NXDOMAIN); one with other types has no data.
    if ((zone.get(key(question.name)) ?? []).length === 0) {
      response.header.rcode = 3
      return send(response)
    }
    type Answer = (typeof response.answers)[number]
    for (const record of zone.get(key(question.name)) ?? []) {
      if (record.type !== type) continue
      const base = { name: question.name, class: Packet.CLASS.IN, ttl: record.ttl }
      const answer =
        type === "TXT"
          ? { ...base, type: Packet.TYPE.TXT, data: chunks(record.value) }
          : type === "MX"
            ? { ...base, type: Packet.TYPE.MX, exchange: record.value, priority: 10 }
            : type === "CNAME"
              ? { ...base, type: Packet.TYPE.CNAME, domain: record.value }
              : type === "AAAA"
                ? { ...base, type: Packet.TYPE.AAAA, address: record.value }
                : { ...base, type: Packet.TYPE.A, address: record.value }
      response.answers.push(answer as unknown as Answer)
    }
    send(response)
  }
  // UDP and TCP (for answers too long for UDP) on one port, as resolvers expect. A port free for
  // TCP may be taken for UDP (a resolver's outgoing query): then another port is tried.
  const bind = async (attempt: number): Promise<{ server: dns2.DnsServer; port: number }> => {
    const port = await freePort()
    const server = dns2.createServer({ udp: true, tcp: true, handle })
    const failed = new Promise<Error>((resolve) => server.once("error", (error: Error) => resolve(error)))
    const outcome = await Promise.race([
      server
        .listen({ udp: { port, address: "127.0.0.1" }, tcp: { port, address: "127.0.0.1" } })
        .then(() => null),
      failed
    ])
    if (outcome === null) {
      server.on("error", () => {})
      return { server, port }
    }
    await Promise.race([server.close(), new Promise((r) => setTimeout(r, 500))])
    if (attempt >= 5) throw outcome
    return bind(attempt + 1)
  }
  const { server, port } = await bind(1)
  return {
    address: `127.0.0.1:${port}`,
    publish: (name, type, value, ttl = 60) =>
      zone.set(key(name), [...(zone.get(key(name)) ?? []), { type, value, ttl }]),
    unpublish: (name, type) =>
      zone.set(
        key(name),
        (zone.get(key(name)) ?? []).filter((r) => type !== undefined && r.type !== type)
      ),
    get failing() {
      return state.failing
    },
    set failing(value: boolean) {
      state.failing = value
    },
    queries,
    close: () => server.close()
  }
}
