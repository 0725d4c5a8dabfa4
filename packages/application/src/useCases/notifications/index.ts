export * from "./DeliverNotification.js"
export * from "./ManageNotificationChannels.js"
export * from "./NotificationDeliveries.js"
