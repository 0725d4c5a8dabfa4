import { randomUUID } from "node:crypto"
import { mkdir, open, readFile, rename, rm } from "node:fs/promises"
import * as path from "node:path"
import { BlobStore, StoreUnavailable } from "@poststack/application"
import { Config, Effect, Layer, Option } from "effect"

/** Keys are ours (`inbound/<uuid>/raw`): nothing else may reach outside the folder. */
const SAFE_KEY = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/

const failed = (what: string) => (error: unknown) =>
  Effect.logWarning(`blob store: ${what} failed`).pipe(
    Effect.annotateLogs("reason", error instanceof Error ? error.message : String(error)),
    Effect.zipRight(Effect.fail(new StoreUnavailable({ message: "The blob store is unavailable" })))
  )

/** Blobs as files under `root`, each written to a temporary name, flushed, then renamed into place. */
export const make = (root: string) => {
  const fileOf = (key: string) =>
    SAFE_KEY.test(key) ? Effect.succeed(path.join(root, key)) : Effect.dieMessage(`invalid blob key ${key}`)
  return BlobStore.of({
    put: (key, bytes) =>
      Effect.flatMap(fileOf(key), (file) =>
        Effect.tryPromise(async () => {
          await mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
          const temporary = `${file}.${randomUUID()}.tmp`
          const handle = await open(temporary, "w", 0o600)
          try {
            await handle.writeFile(bytes)
            await handle.sync()
          } finally {
            await handle.close()
          }
          await rename(temporary, file)
        }).pipe(Effect.catchAll(failed("write")))
      ),
    get: (key) =>
      Effect.flatMap(fileOf(key), (file) =>
        Effect.tryPromise(() => readFile(file)).pipe(
          Effect.map((buffer) => Option.some(new Uint8Array(buffer))),
          Effect.catchAll((error) =>
            (error.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT"
              ? Effect.succeed(Option.none<Uint8Array>())
              : failed("read")(error.error)
          )
        )
      ),
    remove: (key) =>
      Effect.flatMap(fileOf(key), (file) =>
        Effect.tryPromise(() => rm(file, { force: true })).pipe(Effect.catchAll(failed("delete")))
      )
  })
}

export const layer = (root: string) => Layer.succeed(BlobStore, make(root))

/** `<POSTSTACK_DATA_DIR>/blobs`; every process that receives or serves mail must see the same folder. */
export const layerConfig = Layer.effect(
  BlobStore,
  Effect.map(Config.string("POSTSTACK_DATA_DIR").pipe(Config.withDefault("./.poststack")), (dir) =>
    make(path.resolve(dir, "blobs"))
  )
)
