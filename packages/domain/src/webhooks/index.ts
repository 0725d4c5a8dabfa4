export * from "./Address.js"
export * from "./Retry.js"
export * from "./Signature.js"
export * from "./Webhook.js"
