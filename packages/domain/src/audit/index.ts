export * from "./Actor.js"
export * from "./AuditEntry.js"
export * from "./RequestLogEntry.js"
