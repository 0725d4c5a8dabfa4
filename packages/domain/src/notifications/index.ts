export * from "./Message.js"
export * from "./NotificationChannel.js"
export * from "./NotificationErrors.js"
