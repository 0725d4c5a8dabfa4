import type { DomainId, TeamId } from "@poststack/domain"
import { Context, type Effect } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** The deployment's dedicated outbound addresses, and which domain sends from which. */
export class IpAddressRepository extends Context.Tag("@poststack/application/IpAddressRepository")<
  IpAddressRepository,
  {
    /** Makes the stored list hold at least these addresses (from configuration); returns their ids. */
    readonly ensure: (
      addresses: ReadonlyArray<string>
    ) => Effect.Effect<ReadonlyArray<number>, StoreUnavailable>
    /** Pins the domain to the address; false when the address is unknown. */
    readonly assign: (
      teamId: TeamId,
      domainId: DomainId,
      ipAddressId: number
    ) => Effect.Effect<boolean, StoreUnavailable>
    readonly unassign: (teamId: TeamId, domainId: DomainId) => Effect.Effect<void, StoreUnavailable>
  }
>() {}
