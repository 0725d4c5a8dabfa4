import foundation from "./0001_foundation.js"

/** Every migration, by `<number>_<name>`. Forward only: a released migration is never edited. */
export const migrations = {
  "0001_foundation": foundation
}

export const latestMigrationId = Object.keys(migrations).length
