/** The dashboard's build folder (`apps/dashboard/dist`). */
export declare const DIST: string
/** Whether `dist/` is missing or older than any of its sources. */
export declare const isStale: () => boolean
/** Builds the dashboard with Vite when its build is missing or stale. */
export declare const ensureBuilt: (log?: (line: string) => void) => void
