import { GeoLocator } from "@poststack/application"
import { type GeoLocation, UNKNOWN_LOCATION } from "@poststack/domain"
import { Config, Effect, Layer } from "effect"

type Lookup = (ip: string) => { country: string; region: string; city: string } | null

const orNull = (text: string | undefined): string | null =>
  text === undefined || text.trim() === "" ? null : text

/**
 * geoip-lite 1.4 (Apache-2.0; GeoLite2 data shipped in the package, updated with its releases).
 * Importing it reads its whole database into memory (about 150 MB, 1.5 s here), so that happens
 * once, on the first lookup or at start with `preload`, never per request.
 */
export const make = (options: { readonly preload: boolean }) =>
  Effect.gen(function* () {
    const load = yield* Effect.cached(
      Effect.tryPromise(() => import("geoip-lite")).pipe(
        Effect.map((module): Lookup => module.default.lookup),
        Effect.tapError((e) =>
          Effect.logError("geolocation database unreadable: events get no location", e.error)
        ),
        Effect.orElseSucceed((): Lookup => () => null)
      )
    )
    if (options.preload) yield* Effect.forkDaemon(load)
    return GeoLocator.of({
      locate: (ip) =>
        Effect.map(load, (lookup): GeoLocation => {
          const found = lookup(ip.trim())
          return found === null
            ? UNKNOWN_LOCATION
            : {
                country: orNull(found.country)?.toUpperCase() ?? null,
                region: orNull(found.region),
                city: orNull(found.city)
              }
        })
    })
  })

/** Loads the database on the first lookup (tests, tools). */
export const layer = Layer.effect(GeoLocator, make({ preload: false }))

/**
 * `POSTSTACK_GEOIP_PRELOAD` (false): load the database at start instead of on the first open or
 * click from a public address. Lazy by default, so a server that never tracks never holds it.
 */
export const layerConfig = Layer.effect(
  GeoLocator,
  Effect.flatMap(Config.boolean("POSTSTACK_GEOIP_PRELOAD").pipe(Config.withDefault(false)), (preload) =>
    make({ preload })
  )
)
