import { withReadCache } from "@poststack/adapters-persistence"
import { Effect, Option } from "effect"
import { describe, expect, it } from "vitest"

/** A repository that counts its trips to the database. */
const counting = () => {
  const rows = new Map<string, string>([["a", "Alice"]])
  let trips = 0
  return {
    trips: () => trips,
    repository: {
      find: (key: string) =>
        Effect.sync(() => {
          trips++
          return Option.fromNullable(rows.get(key))
        }),
      rename: (key: string, name: string) =>
        Effect.sync(() => {
          trips++
          rows.set(key, name)
        })
    }
  }
}

describe("read cache of lookups", () => {
  it("answers a found row from memory until the time is up, and never keeps a miss", async () => {
    const db = counting()
    const cached = withReadCache(db.repository, {
      lookups: ["find"],
      ttlMs: 1_000,
      keyOf: ([k]) => String(k)
    })
    expect(await Effect.runPromise(cached.find("a"))).toEqual(Option.some("Alice"))
    expect(await Effect.runPromise(cached.find("a"))).toEqual(Option.some("Alice"))
    expect(db.trips()).toBe(1)
    await Effect.runPromise(cached.find("nobody"))
    await Effect.runPromise(cached.find("nobody"))
    expect(db.trips()).toBe(3)
    await new Promise((r) => setTimeout(r, 1_100))
    await Effect.runPromise(cached.find("a"))
    expect(db.trips()).toBe(4)
  })

  it("forgets everything on any write through it", async () => {
    const db = counting()
    const cached = withReadCache(db.repository, {
      lookups: ["find"],
      ttlMs: 60_000,
      keyOf: ([k]) => String(k)
    })
    await Effect.runPromise(cached.find("a"))
    await Effect.runPromise(cached.rename("a", "Alicia"))
    expect(await Effect.runPromise(cached.find("a"))).toEqual(Option.some("Alicia"))
  })

  it("is off with a time of 0", async () => {
    const db = counting()
    const cached = withReadCache(db.repository, { lookups: ["find"], ttlMs: 0, keyOf: ([k]) => String(k) })
    await Effect.runPromise(cached.find("a"))
    await Effect.runPromise(cached.find("a"))
    expect(db.trips()).toBe(2)
  })
})
