export * from "./RequestPrivacyJob.js"
export * from "./RunPrivacyJobs.js"
