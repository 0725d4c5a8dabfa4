import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { ConfigRetentionPolicySource } from "@poststack/adapters-external"
import {
  FileBlobStore,
  PgAuditLog,
  PgRequestLog,
  PgRetentionStore,
  PgSignupFormRepository
} from "@poststack/adapters-persistence"
import { Layer } from "effect"

/** What the worker's `logs.purge` task needs, on PostgreSQL (a `SqlClient` still to provide). */
export const purgeLayers = Layer.mergeAll(
  PgAuditLog.layer,
  PgRequestLog.layer(),
  PgRetentionStore.layer,
  PgSignupFormRepository.layer,
  ConfigRetentionPolicySource.layer(30),
  FileBlobStore.layer(mkdtempSync(path.join(tmpdir(), "poststack-purge-")))
)
