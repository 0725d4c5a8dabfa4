/** An MX record as DNS serves it. */
export interface MxRecord {
  readonly exchange: string
  readonly priority: number
}

/** Where a recipient's domain takes mail, per RFC 5321 section 5 and RFC 7505 (null MX). */
export type MailRoute =
  | { readonly _tag: "Hosts"; readonly hosts: ReadonlyArray<string> }
  /** The domain says it takes no mail at all. */
  | { readonly _tag: "NullMx" }
  /** No MX: the domain itself is the host (implicit MX), if it has an address. */
  | { readonly _tag: "Implicit"; readonly host: string }

export const routeFromMx = (domain: string, records: ReadonlyArray<MxRecord>): MailRoute => {
  if (records.length === 0) return { _tag: "Implicit", host: domain }
  if (records.length === 1 && (records[0]?.exchange === "" || records[0]?.exchange === "."))
    return { _tag: "NullMx" }
  const hosts = [...records]
    .filter((r) => r.exchange !== "" && r.exchange !== ".")
    .sort((a, b) => a.priority - b.priority)
    .map((r) => r.exchange.toLowerCase().replace(/\.$/, ""))
  return { _tag: "Hosts", hosts: [...new Set(hosts)] }
}
