import { PgDatabase } from "@poststack/adapters-persistence"
import { Layer } from "effect"
import { afterCheck, checkConfiguration } from "./Preflight.js"
import { runMain } from "./Runtime.js"
import { Services } from "./Services.js"
import { jobs, periodicTasks } from "./Tasks.js"
import * as WorkerLive from "./WorkerLive.js"

const Main = afterCheck(
  checkConfiguration,
  WorkerLive.layer(periodicTasks, jobs).pipe(Layer.provide(Services), Layer.provide(PgDatabase.layerConfig))
)

runMain(Main)
