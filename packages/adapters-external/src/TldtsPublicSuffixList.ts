import { PublicSuffixList } from "@poststack/application"
import { Layer } from "effect"
import { getDomain, getPublicSuffix } from "tldts"

const options = { allowPrivateDomains: true } as const

export const make = PublicSuffixList.of({
  isPublicSuffix: (name) => getPublicSuffix(name, options) === name,
  organizationalDomain: (name) => getDomain(name, options) ?? name
})

export const layer = Layer.succeed(PublicSuffixList, make)
