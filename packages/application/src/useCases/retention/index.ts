export * from "./PurgeExpiredData.js"
