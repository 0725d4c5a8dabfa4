import { randomBytes } from "node:crypto"
import { AssignPlan, SavePlan } from "@poststack/application"
import { Plan, PlanId, type TeamId } from "@poststack/domain"
import { afterAll, describe, expect, it } from "vitest"
import { launchServers, type Running } from "../apps/processes.js"
import { createTestDatabase, query } from "../support/database.js"
import { TEST_ENCRYPTION_KEY } from "../support/server.js"
import { localDomain, operatorRuntime, run } from "./support.js"

const running: Array<Running> = []
afterAll(async () => {
  for (const p of running) await p.stop("SIGKILL")
})

const LIMIT = 5
const SENDS = 40

describe("plan limits across server processes", () => {
  it("lets exactly the daily limit through when two server processes race past it", async () => {
    const db = await createTestDatabase()
    const key = `sk_live_${randomBytes(24).toString("base64url")}`
    const env = {
      DATABASE_URL: db.url,
      POSTSTACK_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      POSTSTACK_BOOTSTRAP_API_KEY: key,
      POSTSTACK_RATE_LIMIT_REQUESTS: "10000",
      POSTSTACK_RUN_WORKER: "false",
      POSTSTACK_SMTP_SUBMISSION_PORT: "off",
      POSTSTACK_HOST: "127.0.0.1",
      POSTSTACK_LOG_LEVEL: "warning"
    }
    const operator = operatorRuntime(db.url)
    try {
      const [a, b] = await launchServers(2, env, running)
      const ports = [a?.port, b?.port]
      expect(a?.server.child.pid).not.toBe(b?.server.child.pid)
      const [team] = await query<{ team_id: number }>(db.url, "SELECT team_id FROM api_keys LIMIT 1")
      const teamId = team?.team_id as TeamId
      await localDomain(operator, `http://127.0.0.1:${ports[0]}`, key, teamId, "race.test")
      await run(
        operator,
        SavePlan(
          Plan.make({
            id: PlanId.make("five"),
            name: "five",
            monthlyLimit: 1000,
            dailyLimit: LIMIT,
            retentionDays: 30,
            overageCentsPer1000: null,
            stripePriceId: null
          })
        )
      )
      await run(operator, AssignPlan(teamId, PlanId.make("five")))

      const responses = await Promise.all(
        Array.from({ length: SENDS }, (_, i) =>
          fetch(`http://127.0.0.1:${ports[i % 2]}/emails`, {
            method: "POST",
            headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
            body: JSON.stringify({
              from: "shop@race.test",
              to: `r${i}@receiver.test`,
              subject: "Race",
              text: "x"
            })
          }).then(async (r) => ({ status: r.status, body: (await r.json()) as { code?: string } }))
        )
      )
      const accepted = responses.filter((r) => r.status === 202)
      // Each process counting alone would let up to 5 through (10 in all); together they let 5.
      expect(accepted).toHaveLength(LIMIT)
      expect(
        responses.filter((r) => r.status === 429 && r.body.code === "daily_limit_exceeded")
      ).toHaveLength(SENDS - LIMIT)
      // Both processes answered some of the accepted ones or the race proves nothing.
      const byPort = (p: number) => responses.filter((_, i) => i % 2 === p && responses[i]?.status === 202)
      expect(byPort(0).length + byPort(1).length).toBe(LIMIT)
      const [emails] = await query<{ n: number }>(
        db.url,
        "SELECT count(*)::int AS n FROM emails WHERE team_id = $1 AND NOT system",
        [teamId]
      )
      expect(emails?.n).toBe(LIMIT)
      // Every place held was released with its email or given back.
      expect(await query(db.url, "SELECT id FROM quota_holds")).toEqual([])
    } finally {
      await operator.dispose()
      await Promise.all(running.splice(0).map((p) => p.stop()))
      await db.drop()
    }
  }, 180_000)
})
