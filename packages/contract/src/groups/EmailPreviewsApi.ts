import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { SpamAction } from "@poststack/domain"
import { Schema } from "effect"
import { ForbiddenJson, NotFoundJson, SpamScoringNotConfiguredJson, UnprocessableJson } from "../errors.js"
import { Authentication } from "../middleware/Authentication.js"

/** Current SDKs read `code` and `severity`; older ones read `type` (the same value). */
export const InsightWarningView = Schema.Struct({
  code: Schema.String,
  type: Schema.String,
  message: Schema.String,
  severity: Schema.Literal("warning", "info")
})

/** The contract's `SpamCheckResult`; `skipped` when no filter answered (then no score means anything). */
export const SpamCheckResultView = Schema.Struct({
  score: Schema.Number,
  action: SpamAction,
  symbols: Schema.Array(
    Schema.Struct({ name: Schema.String, score: Schema.Number, description: Schema.optional(Schema.String) })
  ),
  skipped: Schema.Boolean
})

const Recipients = Schema.Union(
  Schema.String,
  Schema.Array(Schema.String).pipe(Schema.minItems(1), Schema.maxItems(5))
)

export const PreviewBody = Schema.Struct({
  from: Schema.String.pipe(Schema.maxLength(500)),
  to: Recipients,
  subject: Schema.optional(Schema.String),
  html: Schema.optional(Schema.String),
  text: Schema.optional(Schema.String),
  templateId: Schema.optional(Schema.String).pipe(Schema.fromKey("template_id")),
  variables: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})

export const SpamPreviewBody = Schema.Struct({
  from: Schema.String.pipe(Schema.maxLength(500)),
  to: Recipients,
  subject: Schema.String,
  html: Schema.optional(Schema.String),
  text: Schema.optional(Schema.String)
})

/** Snake_case, as the contract gives this computed payload. */
export const PreviewView = Schema.Struct({
  rendered_subject: Schema.String,
  rendered_html: Schema.NullOr(Schema.String),
  rendered_text: Schema.NullOr(Schema.String),
  size: Schema.Struct({ html_bytes: Schema.Int, text_bytes: Schema.Int }),
  spam: SpamCheckResultView,
  warnings: Schema.Array(InsightWarningView)
})

/** Looking at mail before (or after) sending it: nothing here sends or stores anything. */
export class EmailPreviewsApi extends HttpApiGroup.make("emailPreviews")
  .add(
    HttpApiEndpoint.post("preview", "/emails/preview")
      .setPayload(PreviewBody)
      .addSuccess(PreviewView)
      .addError(UnprocessableJson)
      .annotate(OpenApi.Summary, "Preview an email")
      .annotate(
        OpenApi.Description,
        "What a send would deliver (subject, HTML, the text part, their sizes), the spam filter's reading (skipped when none is configured) and content advice. Nothing is sent or stored."
      )
  )
  .add(
    HttpApiEndpoint.post("spamPreview", "/emails/spam-preview")
      .setPayload(SpamPreviewBody)
      .addSuccess(SpamCheckResultView)
      .addError(UnprocessableJson)
      .addError(SpamScoringNotConfiguredJson)
      .annotate(OpenApi.Summary, "Score an email for spam")
      .annotate(
        OpenApi.Description,
        "rspamd's verdict on the message a send would build: score, action and matched rules. 503 spam_scoring_not_configured without POSTSTACK_RSPAMD_URL; skipped: true when rspamd does not answer."
      )
  )
  .add(
    HttpApiEndpoint.get("insights", "/emails/:id/insights")
      .setPath(Schema.Struct({ id: Schema.String }))
      .addSuccess(Schema.Struct({ warnings: Schema.Array(InsightWarningView) }))
      .addError(NotFoundJson)
      .annotate(OpenApi.Summary, "Get an email's insights")
      .annotate(OpenApi.Description, "Advice about an accepted email's content, from what was stored of it.")
  )
  .addError(ForbiddenJson)
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Email previews") {}
