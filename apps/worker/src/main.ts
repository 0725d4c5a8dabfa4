import { PgDatabase } from "@poststack/adapters-persistence"
import { Layer } from "effect"
import { runMain } from "./Runtime.js"
import { Services } from "./Services.js"
import { jobs, periodicTasks } from "./Tasks.js"
import * as WorkerLive from "./WorkerLive.js"

const Main = WorkerLive.layer(periodicTasks, jobs).pipe(
  Layer.provide(Services),
  Layer.provide(PgDatabase.layerConfig)
)

runMain(Main)
