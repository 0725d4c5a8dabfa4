export * from "./DmarcReport.js"
