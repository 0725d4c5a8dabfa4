import type { DomainId, TeamId } from "@poststack/domain"
import { Context, type Effect } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** The deployment's dedicated outbound addresses, and which domain sends from which. */
export class IpAddressRepository extends Context.Tag("@poststack/application/IpAddressRepository")<
  IpAddressRepository,
  {
    /**
     * Makes the stored list hold these addresses (from configuration), each owned by a team or
     * shared (`teamId: null`); returns their ids.
     */
    readonly ensure: (
      addresses: ReadonlyArray<{ readonly address: string; readonly teamId: TeamId | null }>
    ) => Effect.Effect<ReadonlyArray<number>, StoreUnavailable>
    /** Pins the domain to the address; false when the address is unknown or belongs to another team. */
    readonly assign: (
      teamId: TeamId,
      domainId: DomainId,
      ipAddressId: number
    ) => Effect.Effect<boolean, StoreUnavailable>
    readonly unassign: (teamId: TeamId, domainId: DomainId) => Effect.Effect<void, StoreUnavailable>
  }
>() {}
