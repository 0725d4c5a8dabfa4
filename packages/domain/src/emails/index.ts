export * from "./Address.js"
export * from "./Delivery.js"
export * from "./Headers.js"
export * from "./SendRequest.js"
