export * from "./AbTesting.js"
export * from "./Broadcast.js"
export * from "./BroadcastErrors.js"
