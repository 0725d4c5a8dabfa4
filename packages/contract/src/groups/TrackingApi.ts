import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { TrackingLinkInvalidJson, UnavailableJson } from "../errors.js"

const linkPath = Schema.Struct({
  emailId: Schema.String,
  deliveryId: Schema.String,
  signature: Schema.String
})
const Html = HttpApiSchema.Text({ contentType: "text/html" })
/** The topic an unsubscribe link was sent for, covered by its signature. */
const unsubscribeParams = Schema.Struct({ topic: Schema.optional(Schema.String.pipe(Schema.maxLength(20))) })

/**
 * The links inside delivered mail: public (recipients carry no API key), signed by us, so a link
 * that was changed in any part answers 404 and never redirects.
 */
export class TrackingApi extends HttpApiGroup.make("tracking")
  .add(
    HttpApiEndpoint.get("open", "/t/o/:emailId/:deliveryId/:signature")
      .setPath(linkPath)
      .addSuccess(HttpApiSchema.Uint8Array({ contentType: "image/gif" }))
      .annotate(OpenApi.Description, "The open-tracking pixel: a 1x1 GIF, never cached.")
  )
  .add(
    HttpApiEndpoint.get("click", "/t/c/:emailId/:deliveryId/:signature")
      .setPath(linkPath)
      .setUrlParams(Schema.Struct({ url: Schema.optional(Schema.String) }))
      .addSuccess(HttpApiSchema.Empty(302))
      .annotate(OpenApi.Description, "A tracked link: records the click, then redirects (302) to its target.")
  )
  .add(
    HttpApiEndpoint.get("unsubscribePage", "/u/:emailId/:deliveryId/:signature")
      .setPath(linkPath)
      .setUrlParams(unsubscribeParams)
      .addSuccess(Html)
      .annotate(
        OpenApi.Description,
        "The preference page: every topic of the team, to leave one or all; a GET never unsubscribes."
      )
  )
  .add(
    HttpApiEndpoint.post("unsubscribe", "/u/:emailId/:deliveryId/:signature")
      .setPath(linkPath)
      .setUrlParams(unsubscribeParams)
      .addSuccess(Html)
      .annotate(
        OpenApi.Description,
        "The RFC 8058 one-click POST (leaves the link's topic, or all mail when it names none), or the preference page's forms."
      )
  )
  .addError(TrackingLinkInvalidJson)
  .addError(UnavailableJson)
  .annotate(OpenApi.Title, "Tracking") {}
