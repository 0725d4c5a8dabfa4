export { LoggingLive, runMain } from "./Runtime.js"
export { Services } from "./Services.js"
export { jobs, periodicTasks } from "./Tasks.js"
export * as WorkerLive from "./WorkerLive.js"
