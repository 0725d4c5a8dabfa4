export * from "./Suppression.js"
export * from "./SuppressionErrors.js"
