import { FetchHttpClient, HttpApiClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { Api, ApiKeyView } from "@poststack/contract"
import { ResourceNotFound } from "@poststack/domain"
import { Effect, Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase } from "../support/database.js"
import { startTestServer, type TestServer } from "../support/server.js"

const makeClient = (baseUrl: string, key: string) =>
  HttpApiClient.make(Api, {
    baseUrl,
    transformClient: HttpClient.mapRequest(HttpClientRequest.bearerToken(key))
  })
type Client = Effect.Effect.Success<ReturnType<typeof makeClient>>

/**
 * The dashboard's way in: a typed client derived from `@poststack/contract` alone, over `fetch`
 * (what a browser has), against a running server.
 */
describe("a typed client built from the contract package", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let server: TestServer
  let key = ""

  beforeAll(async () => {
    db = await createTestDatabase()
    server = await startTestServer({ databaseUrl: db.url })
    key = (await server.bootstrap()) ?? ""
  })
  afterAll(async () => {
    await server.close()
    await db.drop()
  })

  const run = <A, E>(use: (client: Client) => Effect.Effect<A, E>) =>
    Effect.runPromise(
      makeClient(server.baseUrl, key).pipe(Effect.flatMap(use), Effect.provide(FetchHttpClient.layer))
    )

  it("calls public and authenticated endpoints and decodes their answers into the contract's types", async () => {
    const health = await run((client) => client.health.healthz())
    expect(health).toEqual({ status: "ok" })

    const created = await run((client) =>
      client.apiKeys.create({
        payload: { name: "dashboard", permission: "sending_access", allowFullAccess: false }
      })
    )
    expect(created).toBeInstanceOf(ApiKeyView)
    expect(created.key).toMatch(/^sk_/)
    expect(created.createdAt).toBeInstanceOf(Date)

    const { keys } = await run((client) => client.apiKeys.list())
    expect(keys.map((k) => k.name)).toContain("dashboard")
    expect(keys.find((k) => k.id === created.id)?.permission).toBe("sending_access")
    expect(keys.every((k) => k.key === undefined)).toBe(true)
  })

  it("turns a `{ error, code }` answer into the domain's error, typed by the endpoint", async () => {
    const missing = await run((client) => Effect.either(client.apiKeys.get({ path: { id: 999_999 } })))
    expect(Either.isLeft(missing)).toBe(true)
    const error = Either.isLeft(missing) ? missing.left : undefined
    expect(error).toBeInstanceOf(ResourceNotFound)
    expect((error as ResourceNotFound).message).toMatch(/not found/i)
  })
})
