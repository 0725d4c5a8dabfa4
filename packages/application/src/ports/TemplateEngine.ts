import type { BuilderBlocksInvalid, TemplateLanguage } from "@poststack/domain"
import { Context, type Effect } from "effect"

/**
 * The template language (Liquid: HTML-escaped output by default, no files or includes, nothing
 * reachable but the values given) and the visual builder's compiler.
 */
export class TemplateEngine extends Context.Tag("@poststack/application/TemplateEngine")<
  TemplateEngine,
  {
    /** Pure and synchronous; `renderTemplate` in the domain runs over it. */
    readonly language: TemplateLanguage
    /** A builder document as responsive HTML (the block schema is `blocksToMjml`'s). */
    readonly compileBlocks: (document: unknown) => Effect.Effect<string, BuilderBlocksInvalid>
  }
>() {}
