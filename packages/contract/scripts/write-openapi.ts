import { writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { openApiSpec } from "../src/OpenApiSpec.js"

const target = fileURLToPath(new URL("../openapi.json", import.meta.url))
writeFileSync(target, `${JSON.stringify(openApiSpec(), null, 2)}\n`)
console.log(`wrote ${target}`)
