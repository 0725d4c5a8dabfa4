import { Either } from "effect"
import type { TemplateContent } from "./Template.js"
import { TemplateSyntaxInvalid } from "./TemplateErrors.js"

/**
 * A template language, as the domain needs it: pure and synchronous, no I/O. The engine adapter
 * (liquidjs) provides one; tests may provide their own.
 */
export interface TemplateLanguage {
  /** The top-level names the source reads from its variables, or the syntax problem. */
  readonly variablesOf: (source: string) => Either.Either<ReadonlyArray<string>, string>
  /**
   * The source rendered with these values; `escapeHtml` escapes every output (HTML bodies),
   * otherwise output is left as given (subject, text body). A name without a value renders empty.
   */
  readonly render: (
    source: string,
    values: Readonly<Record<string, unknown>>,
    escapeHtml: boolean
  ) => Either.Either<string, string>
}

/** The names a template reads that have their own meaning elsewhere and are never asked of a sender. */
const RESERVED = new Set(["signature", "contact"])

/** What a template gives for one set of variables. */
export interface RenderedTemplate {
  readonly subject: string
  readonly html: string | null
  readonly text: string | null
  /** Names the template reads (or declares) that were given no value. */
  readonly missingVariables: ReadonlyArray<string>
  /** Every name the template reads or declares, sorted. */
  readonly templateVariables: ReadonlyArray<string>
}

const parts = (content: Pick<TemplateContent, "subject" | "htmlBody" | "textBody">) =>
  [
    ["subject", content.subject],
    ["html", content.htmlBody],
    ["text", content.textBody]
  ] as const

/** The names the template reads (subject and bodies) plus those declared, or the first syntax problem. */
export const templateVariables = (
  language: TemplateLanguage,
  content: Pick<TemplateContent, "subject" | "htmlBody" | "textBody" | "variables">
): Either.Either<ReadonlyArray<string>, TemplateSyntaxInvalid> => {
  const names = new Set<string>(content.variables)
  for (const [part, source] of parts(content)) {
    if (source === null) continue
    const read = language.variablesOf(source)
    if (Either.isLeft(read)) return Either.left(new TemplateSyntaxInvalid({ part, reason: read.left }))
    for (const name of read.right) if (!RESERVED.has(name)) names.add(name)
  }
  return Either.right([...names].sort())
}

/**
 * Renders the template with the given variables (strings only) and, under `contact`, the
 * recipient contact's fields. Nothing else is reachable from the template.
 */
export const renderTemplate = (
  language: TemplateLanguage,
  content: Pick<TemplateContent, "subject" | "htmlBody" | "textBody" | "variables">,
  variables: Readonly<Record<string, string>>,
  contact: Readonly<Record<string, unknown>> | null = null
): Either.Either<RenderedTemplate, TemplateSyntaxInvalid> =>
  Either.gen(function* () {
    const names = yield* templateVariables(language, content)
    const values: Record<string, unknown> = { ...variables }
    if (contact !== null) values.contact = contact
    const one = (part: string, source: string | null, escapeHtml: boolean) =>
      source === null
        ? Either.right(null)
        : Either.mapLeft(
            language.render(source, values, escapeHtml),
            (reason) => new TemplateSyntaxInvalid({ part, reason })
          )
    const subject = yield* one("subject", content.subject, false)
    const html = yield* one("html", content.htmlBody, true)
    const text = yield* one("text", content.textBody, false)
    return {
      subject: subject ?? "",
      html,
      text,
      missingVariables: names.filter((n) => !Object.hasOwn(variables, n)),
      templateVariables: names
    }
  })

/**
 * Variables as a send or a render gives them: an object of strings. Anything else is refused
 * with the names at fault, never turned into text silently.
 */
export const stringVariables = (input: unknown): Either.Either<Readonly<Record<string, string>>, string> => {
  if (input === undefined || input === null) return Either.right({})
  if (typeof input !== "object" || Array.isArray(input))
    return Either.left("variables must be an object of strings")
  const wrong = Object.entries(input)
    .filter(([, v]) => typeof v !== "string")
    .map(([k]) => k)
  if (wrong.length > 0) return Either.left(`variables must be strings: ${wrong.slice(0, 10).join(", ")}`)
  if (Object.keys(input).length > 200) return Either.left("at most 200 variables")
  return Either.right(input as Record<string, string>)
}

/** Whether any part of the template reads the recipient's contact fields. */
export const readsContact = (
  language: TemplateLanguage,
  content: Pick<TemplateContent, "subject" | "htmlBody" | "textBody">
): boolean =>
  parts(content).some(
    ([, source]) =>
      source !== null &&
      Either.getOrElse(language.variablesOf(source), (): ReadonlyArray<string> => []).includes("contact")
  )
