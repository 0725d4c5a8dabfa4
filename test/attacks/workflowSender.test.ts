import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { request, startTwoTeams, type TwoTeams } from "./harness.js"

/** A workflow's send step mails as its team: from another team's domain it never validates. */
describe("a workflow's send step names a sender on one of the team's verified domains", () => {
  let teams: TwoTeams
  let workflowId: string
  let templateId: string
  const asB = (method: string, path: string, body?: unknown) =>
    request(teams.server.baseUrl, teams.keyB, method, path, body)
  const graphFrom = (from: string) => ({
    nodes: [
      { public_id: "t", type: "trigger", config: {}, canvas_x: 0, canvas_y: 0 },
      {
        public_id: "s",
        type: "send_email",
        config: { template_id: templateId, from },
        canvas_x: 0,
        canvas_y: 80
      }
    ],
    edges: [{ from_public_id: "t", to_public_id: "s" }]
  })

  beforeAll(async () => {
    teams = await startTwoTeams()
    const template = await asB("POST", "/templates", { name: "Welcome", subject: "Hi", text: "Welcome" })
    templateId = String((template.body.template as { publicId: string }).publicId)
    expect((await asB("POST", `/templates/${templateId}/publish`)).status).toBe(200)
    const workflow = await asB("POST", "/workflows", { name: "Welcome", trigger_type: "manual" })
    workflowId = String((workflow.body.workflow as { publicId: string }).publicId)
  })
  afterAll(async () => {
    await teams.close()
  })

  it("from another team's domain, or none at all, is reported by validate and refused on activate", async () => {
    for (const from of ["news@a.test", "news@nowhere.test"]) {
      expect((await asB("PUT", `/workflows/${workflowId}/graph`, graphFrom(from))).status).toBe(200)
      const validated = await asB("POST", `/workflows/${workflowId}/validate`)
      expect(validated.status, validated.text).toBe(200)
      expect(validated.body).toEqual({
        valid: false,
        errors: [`node s: from ${from} is not on a verified domain of the team`]
      })
      const activated = await asB("POST", `/workflows/${workflowId}/activate`)
      expect(activated.status, activated.text).toBe(422)
      expect(activated.text).toContain(`from ${from} is not on a verified domain`)
    }
    expect((await asB("GET", `/workflows/${workflowId}`)).body.workflow).toMatchObject({ status: "draft" })
  })

  it("from the team's own verified domain it validates and activates", async () => {
    expect((await asB("PUT", `/workflows/${workflowId}/graph`, graphFrom("B <news@b.test>"))).status).toBe(
      200
    )
    expect((await asB("POST", `/workflows/${workflowId}/validate`)).body).toEqual({ valid: true })
    const activated = await asB("POST", `/workflows/${workflowId}/activate`)
    expect(activated.status, activated.text).toBe(200)
  })
})
