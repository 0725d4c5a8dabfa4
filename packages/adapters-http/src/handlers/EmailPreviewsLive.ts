import { HttpApiBuilder } from "@effect/platform"
import {
  CheckSpam,
  GetEmailInsights,
  type PreviewInput,
  PreviewEmail,
  RenderTemplateForSend,
  type SpamReading
} from "@poststack/application"
import { type EmailInsightWarning, ValidationFailed } from "@poststack/domain"
import { Effect } from "effect"
import { Api, CurrentPrincipal, type PreviewBody, type SpamPreviewBody } from "@poststack/contract"

const toInput = (body: typeof SpamPreviewBody.Type | typeof PreviewBody.Type) =>
  Effect.gen(function* () {
    const to = typeof body.to === "string" ? [body.to] : body.to
    // The template a send would use, rendered as that send would render it.
    const template =
      "templateId" in body && body.templateId !== undefined
        ? yield* RenderTemplateForSend(yield* CurrentPrincipal, body.templateId, body.variables, to[0])
        : null
    const subject = body.subject ?? template?.subject
    if (subject === undefined) return yield* new ValidationFailed({ message: "subject is required" })
    return {
      from: body.from,
      to,
      subject,
      html: body.html ?? template?.html ?? null,
      text: body.text ?? template?.text ?? null
    } satisfies PreviewInput
  })

const toSpamView = (reading: SpamReading) =>
  reading.verdict === null
    ? { score: 0, action: "no_action" as const, symbols: [], skipped: true }
    : {
        score: reading.verdict.score,
        action: reading.verdict.action,
        symbols: reading.verdict.symbols.map((s) => ({
          name: s.name,
          score: s.score,
          ...(s.description === null ? {} : { description: s.description })
        })),
        skipped: false
      }

const toWarningView = (w: EmailInsightWarning) => ({
  code: w.code,
  type: w.code,
  message: w.message,
  severity: w.severity
})

const bytes = (text: string | null) => (text === null ? 0 : Buffer.byteLength(text, "utf8"))

export const EmailPreviewsLive = HttpApiBuilder.group(Api, "emailPreviews", (handlers) =>
  handlers
    .handle("preview", ({ payload }) =>
      Effect.flatMap(Effect.zip(CurrentPrincipal, toInput(payload)), ([key, input]) =>
        PreviewEmail(key, input)
      ).pipe(
        Effect.map((preview) => ({
          rendered_subject: preview.subject,
          rendered_html: preview.html,
          rendered_text: preview.text,
          size: { html_bytes: bytes(preview.html), text_bytes: bytes(preview.text) },
          spam: toSpamView(preview.spam),
          warnings: preview.warnings.map(toWarningView)
        }))
      )
    )
    .handle("spamPreview", ({ payload }) =>
      Effect.flatMap(Effect.zip(CurrentPrincipal, toInput(payload)), ([key, input]) =>
        CheckSpam(key, input)
      ).pipe(Effect.map(toSpamView))
    )
    .handle("insights", ({ path }) =>
      Effect.flatMap(CurrentPrincipal, (caller) => GetEmailInsights(caller, path.id)).pipe(
        Effect.map((warnings) => ({ warnings: warnings.map(toWarningView) }))
      )
    )
)
