import { describe, expect, it } from "vitest"
import { assessEmail, roleKey, splitAddress } from "../src/index.js"

const clean = { syntax: true, mx: "accepts_mail", disposable: false, role: false, free: false } as const

describe("email validation rules", () => {
  it("parses only addresses mail can go to, lower-casing the domain", () => {
    expect(splitAddress(" Bob@Example.COM ")).toEqual({ localPart: "Bob", domain: "example.com" })
    expect(splitAddress("a@@b.test")).toBeUndefined()
    expect(splitAddress("no-at-sign")).toBeUndefined()
    expect(splitAddress(`${"x".repeat(65)}@b.test`)).toBeUndefined()
  })

  it("reads role names alike whatever their separator or tag", () => {
    expect(["No_Reply", "no.reply", "no-reply+promo"].map(roleKey)).toEqual([
      "no-reply",
      "no-reply",
      "no-reply"
    ])
  })

  it("puts an unusable address before every other finding", () => {
    const v = assessEmail("x", { ...clean, syntax: false, disposable: true, role: true })
    expect([v.result, v.risk, v.checks.mx]).toEqual(["undeliverable", "high", false])
    expect(assessEmail("x", { ...clean, mx: "no_mail_server" }).result).toBe("undeliverable")
  })

  it("does not call an address undeliverable when DNS could not answer", () => {
    expect(assessEmail("x", { ...clean, mx: "unknown" })).toMatchObject({ result: "unknown", risk: "medium" })
    expect(assessEmail("x", { ...clean, mx: "unknown", disposable: true }).risk).toBe("high")
  })

  it("ranks disposable above role, and a free provider alone as no risk", () => {
    expect(assessEmail("x", { ...clean, disposable: true, role: true })).toMatchObject({
      result: "risky",
      risk: "high"
    })
    expect(assessEmail("x", { ...clean, role: true })).toMatchObject({ result: "risky", risk: "medium" })
    expect(assessEmail("x", { ...clean, free: true })).toMatchObject({ result: "deliverable", risk: "low" })
  })
})
