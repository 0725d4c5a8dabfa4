import { readFileSync } from "node:fs"
import * as path from "node:path"
import { HttpApi } from "@effect/platform"
import { Api, openApiSpec } from "@poststack/contract"
import { describe, expect, it } from "vitest"

const committed = path.resolve(import.meta.dirname, "../packages/contract/openapi.json")

describe("OpenAPI document", () => {
  it("matches the committed openapi.json (run `pnpm openapi` after changing the API)", () => {
    expect(JSON.parse(readFileSync(committed, "utf8"))).toEqual(JSON.parse(JSON.stringify(openApiSpec())))
  })

  it("documents errors as { error, code } and never a 204", () => {
    const spec = openApiSpec() as unknown as {
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> }
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>
    }
    expect(Object.keys(spec.components.schemas.HttpApiDecodeError?.properties ?? {})).toEqual([
      "error",
      "code"
    ])
    for (const name of ["Unauthorized", "Forbidden", "NotFound", "RateLimited"]) {
      expect(Object.keys(spec.components.schemas[name]?.properties ?? {})).toEqual(["error", "code"])
    }
    for (const operations of Object.values(spec.paths)) {
      for (const operation of Object.values(operations))
        expect(Object.keys(operation.responses)).not.toContain("204")
    }
  })

  it("gives every operation a summary and a description, and describes the bearer scheme for the docs page", () => {
    const spec = openApiSpec() as unknown as {
      components: { securitySchemes: Record<string, Record<string, unknown>> }
      paths: Record<string, Record<string, { summary?: string; description?: string; security?: unknown }>>
    }
    for (const [route, operations] of Object.entries(spec.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        expect(operation.summary, `${method} ${route}`).toMatch(/^[A-Z]\S*/)
        expect(operation.description?.length ?? 0, `${method} ${route}`).toBeGreaterThan(10)
      }
    }
    expect(spec.components.securitySchemes.bearer).toMatchObject({
      type: "http",
      scheme: "bearer",
      description: expect.stringContaining("Authorization: Bearer")
    })
    expect(spec.paths["/emails"]?.post?.security).toEqual([{ bearer: [] }])
  })

  it("declares a JSON success for every endpoint", () => {
    HttpApi.reflect(Api, {
      onGroup() {},
      onEndpoint({ endpoint, successes }) {
        expect([...successes.keys()], `${endpoint.method} ${endpoint.path}`).not.toContain(204)
      }
    })
  })
})
