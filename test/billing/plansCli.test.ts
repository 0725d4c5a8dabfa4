import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { launch } from "../apps/processes.js"
import { createTestDatabase, query } from "../support/database.js"
import { TEST_ENCRYPTION_KEY } from "../support/server.js"

describe("poststack plans (the operator's CLI)", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  const cli = async (...args: ReadonlyArray<string>) => {
    const run = launch(
      "apps/server/src/cli.ts",
      { DATABASE_URL: db.url, POSTSTACK_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, POSTSTACK_LOG_LEVEL: "error" },
      args
    )
    const code = await run.exited
    return { code, output: run.output().trim() }
  }

  beforeAll(async () => {
    db = await createTestDatabase()
  })
  afterAll(async () => {
    await db.drop()
  })

  // Two processes only: each CLI start transpiles and checks the schema, seconds on a busy machine.
  it("sets a plan and puts a team on it", async () => {
    const set = await cli(
      "plans",
      "set",
      "pro",
      "--name",
      "Pro",
      "--monthly",
      "50000",
      "--daily",
      "5000",
      "--bulk-per-hour",
      "20000",
      "--retention-days",
      "60",
      "--overage-cents",
      "90",
      "--stripe-price",
      "price_pro"
    )
    expect(set).toMatchObject({
      code: 0,
      output: expect.stringContaining(
        "Saved plan pro: monthly 50000, daily 5000, bulk per hour 20000, 60 days of logs."
      )
    })
    expect(
      await query(
        db.url,
        "SELECT id, name, monthly_limit, daily_limit, bulk_hourly_limit, retention_days, overage_cents_per_1000, stripe_price_id FROM plans"
      )
    ).toEqual([
      {
        id: "pro",
        name: "Pro",
        monthly_limit: "50000",
        daily_limit: "5000",
        bulk_hourly_limit: "20000",
        retention_days: 60,
        overage_cents_per_1000: 90,
        stripe_price_id: "price_pro"
      }
    ])
    // The first command migrated the database.
    const [team] = await query<{ id: number }>(
      db.url,
      "INSERT INTO teams (name) VALUES ('acme') RETURNING id"
    )
    const assigned = await cli("plans", "assign", "pro", "--team", String(team?.id))
    expect(assigned).toMatchObject({ code: 0, output: expect.stringContaining("is on the Pro plan (pro)") })
    expect(await query(db.url, "SELECT plan_id FROM team_billing WHERE team_id = $1", [team?.id])).toEqual([
      { plan_id: "pro" }
    ])
  }, 180_000)
})
