import { Schema } from "effect"

/** No such domain in the caller's reach (another team's is indistinguishable from absent). */
export class DomainNotFound extends Schema.TaggedError<DomainNotFound>()("DomainNotFound", {}) {
  override get message() {
    return "Domain not found"
  }
}

/** The sender's domain is not one of the team's domains that may send (added and verified). */
export class DomainNotVerified extends Schema.TaggedError<DomainNotVerified>()("DomainNotVerified", {
  domain: Schema.String
}) {
  override get message() {
    return `Domain not verified: ${this.domain}. Add and verify it at /domains first`
  }
}

/** The team (or, for a shared name, the server) already has this domain. */
export class DomainAlreadyExists extends Schema.TaggedError<DomainAlreadyExists>()("DomainAlreadyExists", {
  domain: Schema.String
}) {
  override get message() {
    return `Domain ${this.domain} already exists`
  }
}

/** No such dedicated sending address on this server. */
export class IpAddressNotFound extends Schema.TaggedError<IpAddressNotFound>()("IpAddressNotFound", {}) {
  override get message() {
    return "IP address not found"
  }
}

/** A rotation step was asked for while no DKIM rotation is staged. */
export class DkimRotationNotStarted extends Schema.TaggedError<DkimRotationNotStarted>()(
  "DkimRotationNotStarted",
  { step: Schema.Literal("activate", "cancel") }
) {
  override get message() {
    return `No DKIM rotation to ${this.step}`
  }
}

/** A DKIM rotation is already staged for the domain: one at a time. */
export class DkimRotationUnderWay extends Schema.TaggedError<DkimRotationUnderWay>()(
  "DkimRotationUnderWay",
  {}
) {
  override get message() {
    return "A DKIM rotation is already under way"
  }
}

/** The staged key's TXT record is not served by DNS yet (or serves another key). */
export class DkimRecordNotPublished extends Schema.TaggedError<DkimRecordNotPublished>()(
  "DkimRecordNotPublished",
  { name: Schema.String }
) {
  override get message() {
    return `The new DKIM record ${this.name} is not published yet, or does not match`
  }
}
