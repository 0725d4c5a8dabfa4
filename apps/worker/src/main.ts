import { PgDatabase } from "@poststack/adapters-persistence"
import {
  afterCheck,
  checkConfiguration,
  jobs,
  periodicTasks,
  runMain,
  Services,
  WorkerLive
} from "@poststack/runtime"
import { Layer } from "effect"

const Main = afterCheck(
  checkConfiguration,
  WorkerLive.layer(periodicTasks, jobs).pipe(Layer.provide(Services), Layer.provide(PgDatabase.layerConfig))
)

runMain(Main)
