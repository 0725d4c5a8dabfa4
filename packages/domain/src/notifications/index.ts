export * from "./Message.js"
export * from "./NotificationChannel.js"
