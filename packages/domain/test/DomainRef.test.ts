import { describe, expect, it } from "vitest"
import { parseDomainRef } from "../src/domains/DomainRef.js"

describe("domain references", () => {
  it("accepts numeric ids and dom_ public ids", () => {
    expect(parseDomainRef("3")).toEqual({ _tag: "Numeric", id: 3 })
    expect(parseDomainRef(3)).toEqual({ _tag: "Numeric", id: 3 })
    expect(parseDomainRef("dom_abc123")).toEqual({ _tag: "Public", publicId: "dom_abc123" })
  })
  it("refuses everything else", () => {
    for (const bad of ["0", "-1", "03", "abc", "dom_", "dom_a-b", "1.5", "", "2147483648"])
      expect(parseDomainRef(bad)).toBeUndefined()
    expect(parseDomainRef(0)).toBeUndefined()
    expect(parseDomainRef(1.5)).toBeUndefined()
  })
})
