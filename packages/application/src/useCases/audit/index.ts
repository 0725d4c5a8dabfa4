export * from "./ReadLogs.js"
export * from "./RecordAudit.js"
export * from "./RequestOrigin.js"
