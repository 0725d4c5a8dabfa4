import { LiquidTemplateEngine } from "@poststack/adapters-external"
import { blocksToMjml, renderTemplate, stringVariables, startsNewVersion } from "@poststack/domain"
import { Either } from "effect"
import { describe, expect, it } from "vitest"

const language = LiquidTemplateEngine.makeLanguage()
const content = {
  subject: "Hi {{ name }}",
  htmlBody: "<p>{{ name }}{{ contact.first_name }}</p>",
  textBody: null,
  variables: []
}

describe("templates (pure rules over the Liquid language)", () => {
  it("renders with the given variables and contact, escaping only HTML, listing what is missing", () => {
    const r = Either.getOrThrow(renderTemplate(language, content, { name: "<i>" }, { first_name: "Ann" }))
    expect(r).toEqual({
      subject: "Hi <i>",
      html: "<p>&lt;i&gt;Ann</p>",
      text: null,
      missingVariables: [],
      templateVariables: ["name"]
    })
    expect(Either.getOrThrow(renderTemplate(language, content, {})).missingVariables).toEqual(["name"])
    expect(Either.isLeft(renderTemplate(language, { ...content, textBody: "{% include 'x' %}" }, {}))).toBe(
      true
    )
  })

  it("accepts only objects of strings as variables", () => {
    expect(stringVariables({ a: "1" })).toEqual(Either.right({ a: "1" }))
    expect(Either.isLeft(stringVariables({ a: 1, b: null }))).toBe(true)
    expect(Either.isLeft(stringVariables(["a"]))).toBe(true)
    expect(stringVariables(undefined)).toEqual(Either.right({}))
  })

  it("starts a new version only when a published template's content changes", () => {
    const t = { ...content, published: true, builderType: "html" as const, builderBlocks: null }
    expect(startsNewVersion(t, { ...t, subject: "x" })).toBe(true)
    expect(startsNewVersion(t, { ...t })).toBe(false)
    expect(startsNewVersion({ ...t, published: false }, { ...t, subject: "x" })).toBe(false)
  })

  it("writes MJML for known blocks and names the first bad one", () => {
    expect(Either.getOrThrow(blocksToMjml([{ type: "text", text: "a<b" }]))).toContain("a&lt;b")
    expect(blocksToMjml([{ type: "button", text: "x", url: "javascript:x" }])).toEqual(
      Either.left("block 0: url must be http(s), mailto: or a {{variable}}")
    )
    expect(
      Either.isLeft(blocksToMjml({ blocks: [{ type: "text", text: "x" }], backgroundColor: "red" }))
    ).toBe(true)
  })
})
