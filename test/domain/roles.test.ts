import { invitationProblem, removalProblem, roleAllows, roleChangeProblem } from "@poststack/domain"
import { describe, expect, it } from "vitest"

describe("team roles", () => {
  it("lets owners and admins manage members, keys and billing, and members none of it", () => {
    for (const action of ["manage_members", "manage_api_keys", "manage_billing", "read_audit_log"] as const) {
      expect(roleAllows("owner", action)).toBe(true)
      expect(roleAllows("admin", action)).toBe(true)
      expect(roleAllows("member", action)).toBe(false)
    }
  })

  it("lets only an owner hand out or take away ownership", () => {
    expect(invitationProblem("owner", "owner")).toBeUndefined()
    expect(invitationProblem("admin", "owner")).toMatch(/owner/)
    expect(invitationProblem("admin", "admin")).toBeUndefined()
    expect(invitationProblem("member", "member")).toMatch(/owners and admins/)
    expect(roleChangeProblem({ actor: "admin", target: "member", next: "owner", owners: 1 })).toMatch(/owner/)
    expect(roleChangeProblem({ actor: "admin", target: "owner", next: "member", owners: 2 })).toMatch(
      /owner's role/
    )
    expect(roleChangeProblem({ actor: "owner", target: "owner", next: "member", owners: 2 })).toBeUndefined()
  })

  it("always keeps an owner", () => {
    expect(roleChangeProblem({ actor: "owner", target: "owner", next: "admin", owners: 1 })).toMatch(
      /keep an owner/
    )
    expect(removalProblem({ actor: "owner", target: "owner", self: true, owners: 1 })).toMatch(
      /keep an owner/
    )
    expect(removalProblem({ actor: "owner", target: "owner", self: true, owners: 2 })).toBeUndefined()
    expect(removalProblem({ actor: "member", target: "member", self: true, owners: 1 })).toBeUndefined()
    expect(removalProblem({ actor: "member", target: "admin", self: false, owners: 1 })).toMatch(
      /owners and admins/
    )
    expect(removalProblem({ actor: "admin", target: "owner", self: false, owners: 2 })).toMatch(
      /Only an owner/
    )
  })
})
