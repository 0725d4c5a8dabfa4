import { type AddressClass, classifyIp } from "../webhooks/Address.js"

/** A mail server and the addresses DNS gave for it. */
export interface MxHostAddresses {
  readonly name: string
  readonly addresses: ReadonlyArray<string>
}

/** One address a recipient's domain routes mail to that may not be reached, and why. */
export interface RefusedMxAddress {
  readonly host: string
  readonly address: string
  readonly class: AddressClass
}

/** Never a mail server anywhere: refused even where private MX hosts are allowed. */
const NEVER_MX: ReadonlyArray<AddressClass> = ["metadata", "unspecified", "multicast"]

/**
 * Why mail may not be handed to this address, or `null` when it may. The classes are those webhook
 * targets are judged by: only public addresses, unless the deployment allows private mail
 * servers (tests, a relay inside a private network); even then the cloud metadata service and
 * unspecified or multicast addresses stay refused. Text that is not an address is refused.
 */
export const mxAddressRefusal = (address: string, allowPrivate: boolean): AddressClass | null => {
  const cls = classifyIp(address) ?? "reserved"
  if (cls === "public") return null
  return allowPrivate && !NEVER_MX.includes(cls) ? null : cls
}

/**
 * Splits a route's hosts into what may be reached (each host with its allowed addresses, hosts
 * with none left out) and the refused addresses. A domain with one bogus MX among good ones still
 * gets its mail; one whose every host is refused gets none, and never a connection.
 */
export const screenMxHosts = <H extends MxHostAddresses>(
  hosts: ReadonlyArray<H>,
  allowPrivate: boolean
): { readonly allowed: ReadonlyArray<H>; readonly refused: ReadonlyArray<RefusedMxAddress> } => {
  const allowed: Array<H> = []
  const refused: Array<RefusedMxAddress> = []
  for (const host of hosts) {
    const addresses = host.addresses.filter((address) => {
      const cls = mxAddressRefusal(address, allowPrivate)
      if (cls !== null) refused.push({ host: host.name, address, class: cls })
      return cls === null
    })
    if (addresses.length > 0) allowed.push({ ...host, addresses })
  }
  return { allowed, refused }
}

/** The refusal as the delivery's failed event tells it: each host, address and the range it is in. */
export const describeMxRefusal = (domain: string, refused: ReadonlyArray<RefusedMxAddress>): string =>
  `every mail server of ${domain} is at a non-public address (${refused
    .map((r) => `${r.host} → ${r.address}: ${r.class.replaceAll("_", "-")}`)
    .join(", ")}); mail goes to public addresses only`.slice(0, 900)
