export * from "./DispatchWebhooks.js"
export * from "./ManageWebhooks.js"
export * from "./WebhookDeliveries.js"
