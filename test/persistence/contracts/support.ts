import { DomainRepository } from "@poststack/application"
import type { Domain, TeamId } from "@poststack/domain"
import { Effect, Option } from "effect"
import type { Subject } from "./subjects.js"

/** A new domain of the team, with its first (active) DKIM key `ps1`. */
export const newDomain = (s: Subject, teamId: TeamId, name: string): Promise<Domain> =>
  s
    .run(
      Effect.flatMap(DomainRepository, (r) =>
        r.create(
          {
            teamId,
            name,
            returnPathLabel: "bounces",
            openTracking: true,
            clickTracking: false,
            trackingDomain: null,
            tlsMode: "enforced",
            inboundEnabled: false
          },
          { selector: "ps1", publicKey: "MIIB", sealedPrivateKey: new Uint8Array([1]), state: "active" },
          () => []
        )
      )
    )
    .then(Option.getOrThrow)

/** Marks the domain verified, as an operator would for local use. */
export const verify = (s: Subject, domain: Domain) =>
  s.run(Effect.flatMap(DomainRepository, (r) => r.markVerifiedLocally(domain.teamId, domain.id, new Date())))
