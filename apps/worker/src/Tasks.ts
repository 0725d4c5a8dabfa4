import type { PeriodicTask } from "@poststack/application"

/**
 * The periodic tasks every worker schedules; each runs in one worker at a time. Domain
 * verification, retention and webhook retries register here as they arrive.
 */
export const periodicTasks: ReadonlyArray<PeriodicTask<unknown, never>> = []
