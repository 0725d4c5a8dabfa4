import { sameOriginPath, sameSitePath } from "@poststack/domain"
import { describe, expect, it } from "vitest"

const ORIGIN = "http://127.0.0.1:3000"

/** Where `?next=` may send a person after signing in (the dashboard, and GitHub's round trip). */
describe("a next path of the same origin", () => {
  it("keeps a path of this origin, with its query and fragment", () => {
    expect(sameOriginPath("/app/emails?status=bounced#top", ORIGIN)).toBe("/app/emails?status=bounced#top")
    expect(sameOriginPath("/app/../app/team", ORIGIN)).toBe("/app/team")
  })

  it("refuses another origin however it is written", () => {
    for (const next of ["https://evil.test/", "//evil.test", "/\\evil.test", "evil.test", "", null])
      expect(sameOriginPath(next, ORIGIN), String(next)).toBeUndefined()
  })

  it("refuses a path that dot segments turn into //host, which the browser reads as another origin", () => {
    for (const next of [
      "/.//evil.test",
      "/..//evil.test",
      "/a/..//evil.test/x",
      "/%2e//evil.test",
      "/./\\evil.test"
    ]) {
      expect(sameOriginPath(next, ORIGIN), next).toBeUndefined()
      expect(sameSitePath(next), next).toBeUndefined()
    }
  })
})
