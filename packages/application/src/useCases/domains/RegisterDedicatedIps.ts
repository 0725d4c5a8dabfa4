import type { TeamId } from "@poststack/domain"
import { Effect } from "effect"
import { IpAddressRepository } from "../../ports/IpAddressRepository.js"

/** Records the deployment's dedicated outbound addresses (from configuration), each shared or owned by a team. */
export const RegisterDedicatedIps = Effect.fn("RegisterDedicatedIps")(function* (
  addresses: ReadonlyArray<{ readonly address: string; readonly teamId: TeamId | null }>
) {
  if (addresses.length === 0) return []
  return yield* Effect.flatMap(IpAddressRepository, (ips) => ips.ensure(addresses))
})
