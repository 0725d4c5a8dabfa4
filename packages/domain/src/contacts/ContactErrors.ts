import { Schema } from "effect"

/** No contact of that id or address in the team (another team's contacts are absent too). */
export class ContactNotFound extends Schema.TaggedError<ContactNotFound>()("ContactNotFound", {}) {
  override get message() {
    return "Contact not found"
  }
}

/** The team already has a contact with this address (compared case-insensitively). */
export class ContactAlreadyExists extends Schema.TaggedError<ContactAlreadyExists>()(
  "ContactAlreadyExists",
  {}
) {
  override get message() {
    return "Contact already exists"
  }
}

/** No contact property of that id in the team. */
export class ContactPropertyNotFound extends Schema.TaggedError<ContactPropertyNotFound>()(
  "ContactPropertyNotFound",
  {}
) {
  override get message() {
    return "Contact property not found"
  }
}

/** The team already has a property of this name. */
export class ContactPropertyAlreadyExists extends Schema.TaggedError<ContactPropertyAlreadyExists>()(
  "ContactPropertyAlreadyExists",
  { name: Schema.String }
) {
  override get message() {
    return `Contact property already exists: ${this.name}`
  }
}

/** A value given for a property does not fit it (wrong type, unknown option, missing when required). */
export class PropertyValueInvalid extends Schema.TaggedError<PropertyValueInvalid>()("PropertyValueInvalid", {
  property: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `Invalid value for property "${this.property}": ${this.reason}`
  }
}

/** A property definition that cannot be stored (a select with no options, options on a non-select...). */
export class PropertyDefinitionInvalid extends Schema.TaggedError<PropertyDefinitionInvalid>()(
  "PropertyDefinitionInvalid",
  { reason: Schema.String }
) {
  override get message() {
    return this.reason
  }
}
