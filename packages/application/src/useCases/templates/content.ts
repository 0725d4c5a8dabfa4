import {
  BuilderBlocksInvalid,
  ValidationFailed,
  type BuilderType,
  templateVariables,
  type TemplateSyntaxInvalid
} from "@poststack/domain"
import { Effect, Either } from "effect"
import type { NewTemplate } from "../../ports/TemplateRepository.js"
import { TemplateEngine } from "../../ports/TemplateEngine.js"

/** A template's fields as a client writes them. */
export interface TemplateInput {
  readonly name: string
  readonly subject: string
  readonly html: string | null
  readonly text: string | null
  readonly variables: ReadonlyArray<string>
  readonly builderType: BuilderType
  readonly builderBlocks: unknown
}

/**
 * The template as stored: a visual template's HTML compiled from its blocks, and every part
 * parsed once, so a syntax error is refused when written rather than found at a send.
 */
export const prepareContent = (input: TemplateInput) =>
  Effect.gen(function* () {
    const engine = yield* TemplateEngine
    let html = input.html
    if (input.builderType === "visual") {
      if (input.builderBlocks === null || input.builderBlocks === undefined)
        return yield* new BuilderBlocksInvalid({ reason: "a visual template needs builder_blocks" })
      html = yield* engine.compileBlocks(input.builderBlocks)
    }
    // Each send's Subject header is made from it: a line break would start another header.
    if (/[\r\n]/.test(input.subject))
      return yield* new ValidationFailed({ message: "subject must not contain line breaks" })
    if (html === null && input.text === null)
      return yield* new ValidationFailed({ message: "a template needs html, text or visual builder_blocks" })
    const template: NewTemplate = {
      name: input.name,
      subject: input.subject,
      htmlBody: html,
      textBody: input.text,
      variables: [...new Set(input.variables)],
      builderType: input.builderType,
      builderBlocks: input.builderType === "visual" ? input.builderBlocks : (input.builderBlocks ?? null)
    }
    const checked: Either.Either<unknown, TemplateSyntaxInvalid> = templateVariables(
      engine.language,
      template
    )
    if (Either.isLeft(checked)) return yield* checked.left
    return template
  })
