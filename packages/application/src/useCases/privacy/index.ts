export * from "./RequestPrivacyJob.js"
export * from "./RunPrivacyJobs.js"
export * from "./DownloadPrivacyExport.js"
export * from "./RunPrivacyJobNow.js"
