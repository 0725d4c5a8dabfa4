import { NodeCryptoKeyMaterial } from "@poststack/adapters-external"
import { PgDatabase, PgPersistence } from "@poststack/adapters-persistence"
import { Layer } from "effect"
import { runMain } from "./Runtime.js"
import { periodicTasks } from "./Tasks.js"
import * as WorkerLive from "./WorkerLive.js"

const Main = WorkerLive.layer(periodicTasks).pipe(
  Layer.provide(PgPersistence),
  Layer.provide(NodeCryptoKeyMaterial.layer),
  Layer.provide(PgDatabase.layerConfig)
)

runMain(Main)
