import { DnsResolver } from "@poststack/application"
import { type DnsAnswer, mailHostNames, type MxAnswer, routeFromMx } from "@poststack/domain"
import { Clock, Effect, Fiber, Layer } from "effect"

export interface CachingDnsOptions {
  /** No answer is kept longer than this, whatever its TTL. */
  readonly maxTtlMs: number
  /** Past this many kept answers the cache starts over (a flood of domains cannot grow it). */
  readonly maxEntries: number
}

/** A minute at most (as a route was kept before), and room for a busy day's recipient domains. */
export const defaults: CachingDnsOptions = { maxTtlMs: 60_000, maxEntries: 10_000 }

type Family = "A" | "AAAA"
type Answered<A> = Extract<A, { readonly _tag: "Answered" }>

/** An answer and when it stops being served; `undefined` until something gives it a lifetime. */
interface Kept<A> {
  readonly answer: A
  until: number | undefined
  /** The longest it may be kept, whatever its addresses say. */
  readonly cap: number
}

const other = (family: Family): Family => (family === "A" ? "AAAA" : "A")

/**
 * Keeps the answers mail routing asks for (MX, A, AAAA) for as long as DNS says they hold, so a
 * burst of mail to one domain asks DNS once. An address answer is kept for its TTL. An answer
 * that has no TTL of its own (node's MX answers carry none; an empty answer has no record to
 * carry one) is kept as long as the addresses it goes with: an MX answer as long as the
 * shortest-lived address answer of the hosts it names, an empty A or AAAA answer as long as the
 * same name's other family. Nothing is kept longer than `maxTtlMs`; failures (`Unavailable`) are
 * never kept, nor an MX answer none of whose hosts has an address. A question already on its way
 * is not asked again: the messages of a burst that arrive together wait for the one answer. TXT and
 * CNAME lookups (and MX through `lookup`) are what domain verification reads: they always go to DNS.
 */
export const make = (
  inner: DnsResolver["Type"],
  options: CachingDnsOptions = defaults
): DnsResolver["Type"] => {
  const mx = new Map<string, Kept<Answered<MxAnswer>>>()
  const addresses = new Map<string, Kept<Answered<DnsAnswer>>>()
  /** For each host name, the MX answers naming it, whose lifetime its addresses bound. */
  const namedBy = new Map<string, Set<string>>()
  const key = (name: string, family: Family) => `${family} ${name.toLowerCase()}`
  /**
   * The questions on their way, by key. Each runs on its own fiber, so a caller that gives up
   * does not end it for the others.
   */
  const asking = new Map<string, Fiber.RuntimeFiber<unknown>>()
  const once = <A>(question: string, ask: Effect.Effect<A>): Effect.Effect<A> =>
    Effect.suspend(() => {
      const running = asking.get(question) as Fiber.RuntimeFiber<A> | undefined
      if (running !== undefined) return Fiber.join(running)
      return Effect.flatMap(Effect.forkDaemon(ask), (fiber) => {
        asking.set(question, fiber)
        return Fiber.join(fiber).pipe(
          Effect.ensuring(
            Effect.sync(() => {
              if (asking.get(question) === fiber) asking.delete(question)
            })
          )
        )
      })
    })
  const live = <A>(kept: Kept<A> | undefined, now: number) =>
    kept !== undefined && kept.until !== undefined && kept.until > now ? kept : undefined
  const shorten = (kept: Kept<unknown>, until: number) => {
    kept.until = Math.min(kept.until ?? kept.cap, until, kept.cap)
  }
  const makeRoom = () => {
    if (mx.size + addresses.size < options.maxEntries) return
    mx.clear()
    addresses.clear()
    namedBy.clear()
  }
  /** When the addresses of `host` known now stop holding (the earliest of A and AAAA with a TTL). */
  const addressesUntil = (host: string, now: number) => {
    let until: number | undefined
    for (const family of ["A", "AAAA"] as const) {
      const kept = live(addresses.get(key(host, family)), now)
      if (kept?.until !== undefined && kept.answer.values.length > 0)
        until = until === undefined ? kept.until : Math.min(until, kept.until)
    }
    return until
  }

  const keepMx = (name: string, answer: Answered<MxAnswer>, now: number) => {
    makeRoom()
    const hosts = mailHostNames(routeFromMx(name, answer.records)).map((h) => h.toLowerCase())
    const kept: Kept<Answered<MxAnswer>> = { answer, until: undefined, cap: now + options.maxTtlMs }
    for (const host of hosts) {
      const until = addressesUntil(host, now)
      if (until !== undefined) shorten(kept, until)
      namedBy.set(host, (namedBy.get(host) ?? new Set()).add(name))
    }
    mx.set(name, kept)
  }

  const keepAddresses = (name: string, family: Family, answer: Answered<DnsAnswer>, now: number) => {
    makeRoom()
    const kept: Kept<Answered<DnsAnswer>> = { answer, until: undefined, cap: now + options.maxTtlMs }
    addresses.set(key(name, family), kept)
    const sibling = live(addresses.get(key(name, other(family))), now)
    if (answer.values.length === 0) {
      // Empty: as long as the other family's addresses hold, if they are known.
      if (sibling !== undefined && sibling.answer.values.length > 0 && sibling.until !== undefined)
        shorten(kept, sibling.until)
      return
    }
    if (answer.ttlSeconds === undefined || answer.ttlSeconds <= 0) return
    const until = Math.min(now + answer.ttlSeconds * 1000, kept.cap)
    kept.until = until
    const waiting = addresses.get(key(name, other(family)))
    if (waiting !== undefined && waiting.answer.values.length === 0) shorten(waiting, until)
    for (const domain of namedBy.get(name.toLowerCase()) ?? []) {
      const entry = mx.get(domain)
      if (entry !== undefined) shorten(entry, until)
    }
  }

  return DnsResolver.of({
    lookup: (name, type) => {
      if (type !== "A" && type !== "AAAA") return inner.lookup(name, type)
      return Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const kept = live(addresses.get(key(name, type)), now)
        if (kept !== undefined) return Effect.succeed<DnsAnswer>(kept.answer)
        return once(
          key(name, type),
          Effect.tap(inner.lookup(name, type), (answer) =>
            answer._tag === "Answered"
              ? Effect.sync(() => keepAddresses(name, type, answer, now))
              : Effect.void
          )
        )
      })
    },
    mx: (name) => {
      const domain = name.toLowerCase()
      return Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const kept = live(mx.get(domain), now)
        if (kept !== undefined) return Effect.succeed<MxAnswer>(kept.answer)
        return once(
          `MX ${domain}`,
          Effect.tap(inner.mx(name), (answer) =>
            answer._tag === "Answered" ? Effect.sync(() => keepMx(domain, answer, now)) : Effect.void
          )
        )
      })
    }
  })
}

/** Decorates the `DnsResolver` it is given; each use of the layer starts with an empty cache. */
export const layer = (options: CachingDnsOptions = defaults) =>
  Layer.effect(
    DnsResolver,
    Effect.map(DnsResolver, (inner) => make(inner, options))
  )
