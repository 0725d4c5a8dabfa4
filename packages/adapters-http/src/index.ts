export * as HttpServerLive from "./HttpServerLive.js"
export * as RateLimitSettings from "./middleware/RateLimitSettings.js"
