import { describe, expect, it } from "vitest"
import { allows, isActive, keyPrefixOf, modeOfSecret, needsLastUsedRefresh } from "../src/ApiKey.js"

describe("API key secrets", () => {
  it("reads the mode from the prefix and refuses anything else", () => {
    expect(modeOfSecret("sk_live_abcdefghijklmnop")).toBe("live")
    expect(modeOfSecret("sk_test_abcdefghijklmnop")).toBe("test")
    expect(modeOfSecret("sk_live_short")).toBeUndefined()
    expect(modeOfSecret("pk_live_abcdefghijklmnop")).toBeUndefined()
    expect(modeOfSecret("sk_live_abcdefghijklmnop\n")).toBeUndefined()
    expect(modeOfSecret("sk_prod_abcdefghijklmnop")).toBeUndefined()
  })

  it("keeps only a short display prefix", () => {
    expect(keyPrefixOf("sk_live_AbCdEfGhIjKlMnOp")).toBe("sk_live_AbCd")
  })
})

describe("permissions", () => {
  it("lets sending keys send and read mail, and nothing else", () => {
    expect(allows("sending_access", "send_email")).toBe(true)
    expect(allows("sending_access", "read_email")).toBe(true)
    expect(allows("sending_access", "manage_team")).toBe(false)
    expect(allows("full_access", "manage_team")).toBe(true)
  })
})

describe("activity", () => {
  const now = new Date("2026-11-27T10:00:00Z")
  it("treats an expired key as inactive", () => {
    expect(isActive({ expiresAt: null }, now)).toBe(true)
    expect(isActive({ expiresAt: new Date("2026-11-27T10:00:01Z") }, now)).toBe(true)
    expect(isActive({ expiresAt: now }, now)).toBe(false)
  })
  it("refreshes lastUsedAt at most once a minute", () => {
    expect(needsLastUsedRefresh({ lastUsedAt: null }, now)).toBe(true)
    expect(needsLastUsedRefresh({ lastUsedAt: new Date("2026-11-27T09:59:30Z") }, now)).toBe(false)
    expect(needsLastUsedRefresh({ lastUsedAt: new Date("2026-11-27T09:59:00Z") }, now)).toBe(true)
  })
})
