import { runMain } from "@poststack/runtime"
import { Layer } from "effect"
import { ServerLive } from "./ServerLive.js"

runMain(Layer.discard(ServerLive))
