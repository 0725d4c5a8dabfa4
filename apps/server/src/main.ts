import { runMain } from "@poststack/worker"
import { Layer } from "effect"
import { ServerLive } from "./ServerLive.js"

runMain(Layer.discard(ServerLive))
