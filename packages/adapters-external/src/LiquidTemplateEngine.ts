import { TemplateEngine } from "@poststack/application"
import { BuilderBlocksInvalid, blocksToMjml, type TemplateLanguage } from "@poststack/domain"
import { Effect, Either, Layer } from "effect"
import { Liquid, type Template as LiquidTemplate } from "liquidjs"

/** Tags that would read other files: refused when a template is parsed. */
const FILE_TAGS = ["include", "render", "layout", "block"]

/** A file system that has no files, so nothing can ever be loaded from disk. */
const noFiles = {
  exists: async () => false,
  existsSync: () => false,
  readFile: async () => {
    throw new Error("templates cannot read files")
  },
  readFileSync: () => {
    throw new Error("templates cannot read files")
  },
  resolve: (_dir: string, file: string) => file,
  contains: async () => false
}

const options = (escaped: boolean) => ({
  ...(escaped ? { outputEscape: "escape" as const } : {}),
  strictFilters: true,
  ownPropertyOnly: true,
  fs: noFiles,
  root: [],
  partials: [],
  layouts: [],
  relativeReference: false,
  dynamicPartials: false,
  // Bounds on work per template, so one template cannot hold the event loop.
  parseLimit: 1_000_000,
  renderLimit: 1_000,
  memoryLimit: 16_000_000
})

const engine = (escaped: boolean) => {
  const liquid = new Liquid(options(escaped))
  for (const name of FILE_TAGS)
    liquid.registerTag(name, {
      parse() {
        throw new Error(`the ${name} tag is not available: templates cannot read other files`)
      },
      *render() {}
    })
  return liquid
}

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error))

/**
 * Liquid as the domain's `TemplateLanguage`: HTML-escaped output for HTML bodies, plain output for
 * subjects and text; unknown filters are syntax errors; only own properties of the values given
 * are reachable; no files. Parsed templates are cached by source (bounded), so a template sent
 * many times is parsed once.
 */
export const makeLanguage = (): TemplateLanguage => {
  const html = engine(true)
  const plain = engine(false)
  // Escaping is decided when a template is parsed, so each engine keeps its own parses.
  const cache = (liquid: Liquid) => {
    const parsed = new Map<string, LiquidTemplate[]>()
    return (source: string): LiquidTemplate[] => {
      const hit = parsed.get(source)
      if (hit !== undefined) return hit
      const templates = liquid.parse(source)
      if (parsed.size >= 500) parsed.delete(parsed.keys().next().value as string)
      parsed.set(source, templates)
      return templates
    }
  }
  const parseHtml = cache(html)
  const parsePlain = cache(plain)
  return {
    variablesOf: (source) =>
      Either.try({
        try: () => plain.globalVariablesSync(parsePlain(source)),
        catch: reason
      }),
    render: (source, values, escapeHtml) =>
      Either.try({
        try: () =>
          String(
            escapeHtml
              ? html.renderSync(parseHtml(source), { ...values })
              : plain.renderSync(parsePlain(source), { ...values })
          ),
        catch: reason
      })
  }
}

/** Visual blocks to responsive HTML: the domain writes MJML, mjml (loaded on first use) compiles it. */
const compileBlocks = (document: unknown) =>
  Effect.gen(function* () {
    const markup = blocksToMjml(document)
    if (Either.isLeft(markup)) return yield* new BuilderBlocksInvalid({ reason: markup.left })
    const mjml = yield* Effect.promise(() => import("mjml"))
    const result = yield* Effect.tryPromise({
      try: () => mjml.default(markup.right, { validationLevel: "strict", keepComments: false }),
      catch: (e) => new BuilderBlocksInvalid({ reason: reason(e) })
    })
    const first = result.errors[0]
    if (first !== undefined) return yield* new BuilderBlocksInvalid({ reason: first.message })
    return result.html
  })

export const layer = Layer.sync(TemplateEngine, () =>
  TemplateEngine.of({ language: makeLanguage(), compileBlocks })
)
