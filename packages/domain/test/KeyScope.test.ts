import { describe, expect, it } from "vitest"
import { DomainId } from "../src/domains/DomainRef.js"
import { grantFor, type Reach, reachesNoFurther, SCOPE_TABLE } from "../src/KeyScope.js"

const reach = (
  permission: Reach["permission"],
  domainId: number | null,
  mode: Reach["mode"] = "live"
): Reach => ({
  permission,
  mode,
  domainId: domainId === null ? null : DomainId.make(domainId)
})

describe("key scopes", () => {
  it("grants a scoped key nothing team-wide, and a sending key nothing but mail", () => {
    for (const family of Object.keys(SCOPE_TABLE) as Array<keyof typeof SCOPE_TABLE>) {
      // Account and team management belong to people's sessions: no key reaches them.
      expect(grantFor(reach("full_access", null), family), family).toBe(
        family === "accounts" ? "denied" : "team"
      )
      expect(grantFor(reach("full_access", 7), family), family).not.toBe("team")
      expect(grantFor(reach("sending_access", 7), family), family).not.toBe("team")
    }
    expect(grantFor(reach("full_access", 7), "suppressions")).toBe("denied")
    expect(grantFor(reach("full_access", 7), "webhooks")).toBe("denied")
    expect(grantFor(reach("full_access", 7), "contacts")).toBe("denied")
    expect(grantFor(reach("sending_access", null), "contacts")).toBe("denied")
    expect(grantFor(reach("full_access", 7), "domains.create")).toBe("denied")
    expect(grantFor(reach("sending_access", null), "emails")).toBe("team")
    expect(grantFor(reach("sending_access", null), "apiKeys")).toBe("denied")
  })

  it("lets a key manage only keys that reach no further than itself", () => {
    const scoped = reach("full_access", 7)
    expect(reachesNoFurther(reach("sending_access", 7), scoped)).toBe(true)
    expect(reachesNoFurther(reach("full_access", 7), scoped)).toBe(true)
    expect(reachesNoFurther(reach("sending_access", null), scoped)).toBe(false)
    expect(reachesNoFurther(reach("sending_access", 8), scoped)).toBe(false)
    const test = reach("full_access", null, "test")
    expect(reachesNoFurther(reach("full_access", 7, "test"), test)).toBe(true)
    expect(reachesNoFurther(reach("sending_access", 7, "live"), test)).toBe(false)
    expect(reachesNoFurther(reach("full_access", null), reach("sending_access", null))).toBe(false)
  })
})
