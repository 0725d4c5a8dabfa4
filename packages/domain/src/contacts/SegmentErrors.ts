import { Schema } from "effect"

/** No segment of that id in the team (another team's segments are absent too). */
export class SegmentNotFound extends Schema.TaggedError<SegmentNotFound>()("SegmentNotFound", {}) {
  override get message() {
    return "Segment not found"
  }
}

/** A rule that cannot be evaluated: an unknown field or property, a comparator or value that does not fit it. */
export class SegmentRulesInvalid extends Schema.TaggedError<SegmentRulesInvalid>()("SegmentRulesInvalid", {
  reason: Schema.String
}) {
  override get message() {
    return `Invalid segment rules: ${this.reason}`
  }
}

/** Contacts are added to and removed from manual segments only; a rule segment's members follow its rules. */
export class SegmentNotManual extends Schema.TaggedError<SegmentNotManual>()("SegmentNotManual", {}) {
  override get message() {
    return "Contacts can only be added to or removed from a manual segment (this one has rules)"
  }
}

/** Some contact ids given to a segment are not contacts of the team: nothing was added. */
export class SegmentContactsUnresolved extends Schema.TaggedError<SegmentContactsUnresolved>()(
  "SegmentContactsUnresolved",
  { message: Schema.String }
) {
  static forIds(unknown: ReadonlyArray<string>) {
    const shown = unknown.slice(0, 5).join(", ")
    const more = unknown.length > 5 ? ` and ${unknown.length - 5} more` : ""
    return new SegmentContactsUnresolved({
      message: `No contact with id ${shown}${more} in this team; nothing was added`
    })
  }
}
