import type { GeoLocation } from "@poststack/domain"
import { Context, type Effect } from "effect"

/** Where an Internet address is, from a database kept on this machine (no lookups over the network). */
export class GeoLocator extends Context.Tag("@poststack/application/GeoLocator")<
  GeoLocator,
  {
    /**
     * The address's country, region and city, each `null` when the database does not know it.
     * Never fails: a database that cannot be read locates nothing (and says so in the log).
     */
    readonly locate: (ip: string) => Effect.Effect<GeoLocation>
  }
>() {}
