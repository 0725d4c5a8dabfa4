export { Api } from "./Api.js"
export * as HttpServerLive from "./HttpServerLive.js"
export { openApiSpec } from "./OpenApiSpec.js"
export * as RateLimitSettings from "./middleware/RateLimitSettings.js"
