import { OpenApi } from "@effect/platform"
import { Api } from "./Api.js"

/** The OpenAPI document served at `/openapi.json`, as committed in `openapi.json`. */
export const openApiSpec = () => OpenApi.fromApi(Api)
