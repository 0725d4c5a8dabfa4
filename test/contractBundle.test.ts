import * as path from "node:path"
import { build } from "esbuild"
import { describe, expect, it } from "vitest"

const root = path.resolve(import.meta.dirname, "..")

/** What the dashboard does: a typed client from the contract package alone, over `fetch`. */
const dashboard = `
import { FetchHttpClient, HttpApiClient } from "@effect/platform"
import { Api } from "@poststack/contract"
import { Effect } from "effect"
export const listKeys = (baseUrl) =>
  HttpApiClient.make(Api, { baseUrl }).pipe(
    Effect.flatMap((client) => client.apiKeys.list()),
    Effect.provide(FetchHttpClient.layer)
  )
`

describe("the contract package in a browser bundle", () => {
  it("bundles for the browser with a typed client, and nothing of Node or of the server comes with it", async () => {
    const result = await build({
      stdin: { contents: dashboard, resolveDir: root, loader: "ts" },
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent"
    })
    expect(result.errors).toEqual([])
    const inputs = Object.keys(result.metafile.inputs)
    expect(inputs.some((file) => file.startsWith("packages/contract/src/groups/"))).toBe(true)
    expect(
      inputs.filter((file) => /platform-node|packages\/(application|adapters-|runtime)|^apps\//.test(file))
    ).toEqual([])
    const code = result.outputFiles[0]?.text ?? ""
    expect(code).toContain("/api-keys")
    expect(code).not.toMatch(/from\s*"node:|require\("node:/)
  })
})
