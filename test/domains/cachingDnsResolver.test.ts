import { describe, expect, it } from "@effect/vitest"
import { CachingDnsResolver } from "@poststack/adapters-external"
import { DnsResolver, FindMailRoute, type LookupType } from "@poststack/application"
import type { DnsAnswer, MxAnswer } from "@poststack/domain"
import { Deferred, Effect, Fiber, Layer, TestClock } from "effect"

/**
 * A DNS that serves what the test publishes and counts every question it is asked; with `gate`,
 * each answer waits until the test opens it.
 */
const fakeDns = (gate?: Deferred.Deferred<void>) => {
  const records = new Map<string, DnsAnswer>()
  const mx = new Map<string, MxAnswer>()
  const asked: Array<string> = []
  const answer = <A>(question: string, found: () => A) =>
    Effect.andThen(
      Effect.sync(() => asked.push(question)),
      Effect.andThen(gate === undefined ? Effect.void : Deferred.await(gate), Effect.sync(found))
    )
  const resolver = DnsResolver.of({
    lookup: (name: string, type: LookupType) =>
      answer(
        `${type} ${name}`,
        (): DnsAnswer => records.get(`${type} ${name}`) ?? { _tag: "Answered", values: [] }
      ),
    mx: (name: string) =>
      answer(`MX ${name}`, (): MxAnswer => mx.get(name) ?? { _tag: "Answered", records: [] })
  })
  return {
    asked: (question: string) => asked.filter((q) => q === question).length,
    address: (name: string, type: "A" | "AAAA", values: ReadonlyArray<string>, ttlSeconds?: number) =>
      records.set(`${type} ${name}`, {
        _tag: "Answered",
        values,
        ...(ttlSeconds === undefined ? {} : { ttlSeconds })
      }),
    record: (name: string, type: LookupType, answer: DnsAnswer) => records.set(`${type} ${name}`, answer),
    mx: (name: string, answer: MxAnswer) => mx.set(name, answer),
    layer: (options?: CachingDnsResolver.CachingDnsOptions) =>
      CachingDnsResolver.layer(options).pipe(Layer.provide(Layer.succeed(DnsResolver, resolver)))
  }
}

const route = (recipient: string) => FindMailRoute(recipient, true)
const hosts = (...exchanges: ReadonlyArray<string>): MxAnswer => ({
  _tag: "Answered",
  records: exchanges.map((exchange, i) => ({ exchange, priority: (i + 1) * 10 }))
})

describe("CachingDnsResolver", () => {
  it.effect("asks once for a burst of mail to one domain, and again once its address TTL has passed", () => {
    const dns = fakeDns()
    dns.mx("burst.test", hosts("mx.burst.test"))
    dns.address("mx.burst.test", "A", ["127.0.0.1"], 2)
    return Effect.gen(function* () {
      for (const to of ["a@burst.test", "b@Burst.test", "c@burst.test"])
        expect((yield* route(to))._tag).toBe("Hosts")
      // The empty AAAA answer is kept with the name's A answer: no question per message.
      expect([
        dns.asked("MX burst.test"),
        dns.asked("A mx.burst.test"),
        dns.asked("AAAA mx.burst.test")
      ]).toEqual([1, 1, 1])
      yield* TestClock.adjust("1999 millis")
      yield* route("d@burst.test")
      expect(dns.asked("MX burst.test")).toBe(1)
      yield* TestClock.adjust("2 millis")
      yield* route("e@burst.test")
      expect([
        dns.asked("MX burst.test"),
        dns.asked("A mx.burst.test"),
        dns.asked("AAAA mx.burst.test")
      ]).toEqual([2, 2, 2])
    }).pipe(Effect.provide(dns.layer()))
  })

  it.effect("asks once for mail to one domain that arrives together, before any answer is back", () =>
    Effect.gen(function* () {
      const gate = yield* Deferred.make<void>()
      const dns = fakeDns(gate)
      dns.mx("together.test", hosts("mx.together.test"))
      dns.address("mx.together.test", "A", ["127.0.0.1"], 60)
      yield* Effect.gen(function* () {
        const lookups = yield* Effect.forEach(["a", "b", "c"], (who) =>
          Effect.fork(route(`${who}@together.test`))
        )
        // All three are waiting on the first question before DNS answers anything.
        yield* Effect.repeatN(Effect.yieldNow(), 20)
        expect(dns.asked("MX together.test")).toBe(1)
        // One caller giving up does not end the question for the others.
        yield* Fiber.interrupt(lookups[0] as Fiber.RuntimeFiber<unknown>)
        yield* Deferred.succeed(gate, undefined)
        for (const lookup of lookups.slice(1))
          expect(((yield* Fiber.join(lookup)) as { _tag: string })._tag).toBe("Hosts")
        expect([
          dns.asked("MX together.test"),
          dns.asked("A mx.together.test"),
          dns.asked("AAAA mx.together.test")
        ]).toEqual([1, 1, 1])
      }).pipe(Effect.provide(dns.layer()))
    })
  )

  it.effect("keeps an MX answer only as long as the shortest-lived addresses of its hosts", () => {
    const dns = fakeDns()
    dns.mx("two.test", hosts("mx1.two.test", "mx2.two.test"))
    dns.address("mx1.two.test", "A", ["192.0.2.1"], 30)
    dns.address("mx2.two.test", "AAAA", ["2001:db8::2"], 5)
    return Effect.gen(function* () {
      yield* route("a@two.test")
      yield* TestClock.adjust("4 seconds")
      yield* route("a@two.test")
      expect(dns.asked("MX two.test")).toBe(1)
      yield* TestClock.adjust("1001 millis")
      yield* route("a@two.test")
      expect(dns.asked("MX two.test")).toBe(2)
      // mx1's own addresses still hold: only the expired ones are asked again.
      expect([dns.asked("A mx1.two.test"), dns.asked("AAAA mx2.two.test")]).toEqual([1, 2])
    }).pipe(Effect.provide(dns.layer()))
  })

  it.effect("keeps nothing longer than the cap, however long the TTL", () => {
    const dns = fakeDns()
    dns.mx("long.test", hosts("mx.long.test"))
    dns.address("mx.long.test", "A", ["192.0.2.7"], 86_400)
    return Effect.gen(function* () {
      yield* route("a@long.test")
      yield* TestClock.adjust("59 seconds")
      yield* route("a@long.test")
      expect(dns.asked("MX long.test")).toBe(1)
      yield* TestClock.adjust("2 seconds")
      yield* route("a@long.test")
      expect([dns.asked("MX long.test"), dns.asked("A mx.long.test")]).toEqual([2, 2])
    }).pipe(Effect.provide(dns.layer({ maxTtlMs: 60_000, maxEntries: 100 })))
  })

  it.effect("never keeps a failure, an answer without a TTL, or a domain with no reachable host", () => {
    const dns = fakeDns()
    dns.mx("down.test", { _tag: "Unavailable", reason: "ESERVFAIL" })
    dns.mx("null.test", hosts("."))
    dns.mx("nottl.test", hosts("mx.nottl.test"))
    dns.address("mx.nottl.test", "A", ["192.0.2.9"])
    dns.mx("flaky.test", hosts("mx.flaky.test"))
    dns.record("mx.flaky.test", "A", { _tag: "Unavailable", reason: "ETIMEOUT" })
    return Effect.gen(function* () {
      for (let i = 0; i < 3; i++) {
        expect((yield* route("a@down.test"))._tag).toBe("Retry")
        expect((yield* route("a@null.test"))._tag).toBe("Refused")
        expect((yield* route("a@nottl.test"))._tag).toBe("Hosts")
        expect((yield* route("a@flaky.test"))._tag).toBe("Refused")
      }
      expect([
        dns.asked("MX down.test"),
        dns.asked("MX null.test"),
        dns.asked("MX nottl.test"),
        dns.asked("A mx.nottl.test"),
        dns.asked("A mx.flaky.test")
      ]).toEqual([3, 3, 3, 3, 3])
    }).pipe(Effect.provide(dns.layer()))
  })

  it.effect(
    "passes TXT, CNAME and MX-as-text lookups through: domain verification sees changes at once",
    () => {
      const dns = fakeDns()
      dns.record("_dmarc.shop.test", "TXT", {
        _tag: "Answered",
        values: ["v=DMARC1; p=none"],
        ttlSeconds: 300
      })
      return Effect.gen(function* () {
        const resolver = yield* DnsResolver
        for (const type of ["TXT", "CNAME", "MX"] as const) {
          yield* resolver.lookup("_dmarc.shop.test", type)
          yield* resolver.lookup("_dmarc.shop.test", type)
        }
        expect([
          dns.asked("TXT _dmarc.shop.test"),
          dns.asked("CNAME _dmarc.shop.test"),
          dns.asked("MX _dmarc.shop.test")
        ]).toEqual([2, 2, 2])
      }).pipe(Effect.provide(dns.layer()))
    }
  )

  it.effect("starts over past its size, so a flood of domains cannot grow it", () => {
    const dns = fakeDns()
    for (const d of ["one.test", "two.test", "three.test"]) {
      dns.mx(d, hosts(`mx.${d}`))
      dns.address(`mx.${d}`, "A", ["192.0.2.1"], 300)
    }
    return Effect.gen(function* () {
      yield* route("a@one.test")
      yield* route("a@one.test")
      expect(dns.asked("MX one.test")).toBe(1)
      yield* route("a@two.test")
      yield* route("a@three.test")
      yield* route("a@one.test")
      expect(dns.asked("MX one.test")).toBe(2)
    }).pipe(Effect.provide(dns.layer({ maxTtlMs: 60_000, maxEntries: 4 })))
  })
})
