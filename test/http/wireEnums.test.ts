import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"

/**
 * Every value the SDK types as an enum is declared as one in the wire views (a `Schema.Literal`),
 * never as a bare string: read from the committed OpenAPI document, which the drift test keeps
 * equal to the code.
 */
interface JsonSchema {
  readonly type?: string
  readonly enum?: ReadonlyArray<unknown>
  readonly $ref?: string
  readonly properties?: Record<string, JsonSchema>
  readonly items?: JsonSchema
  readonly additionalProperties?: JsonSchema | boolean
  readonly anyOf?: ReadonlyArray<JsonSchema>
  readonly oneOf?: ReadonlyArray<JsonSchema>
  readonly allOf?: ReadonlyArray<JsonSchema>
}

const doc = JSON.parse(readFileSync("packages/contract/openapi.json", "utf8")) as {
  paths: Record<
    string,
    Record<string, { responses?: Record<string, { content?: Record<string, { schema?: JsonSchema }> }> }>
  >
  components: { schemas: Record<string, JsonSchema> }
}

/** Section 17 of the contract, for the fields the API serves. */
const CONTRACT: Record<string, ReadonlyArray<string>> = {
  "Email.status": [
    "queued",
    "sending",
    "deferred",
    "delivered",
    "bounced",
    "complained",
    "failed",
    "cancelled"
  ],
  "EmailDetail.status": [
    "queued",
    "sending",
    "deferred",
    "delivered",
    "bounced",
    "complained",
    "failed",
    "cancelled"
  ],
  "EmailEvent.eventType": [
    "queued",
    "sent",
    "delivered",
    "deferred",
    "bounced",
    "soft_bounced",
    "opened",
    "clicked",
    "complained",
    "unsubscribed",
    "failed"
  ],
  "Domain.status": ["pending", "verified", "failed"],
  "Domain.region": ["eu-west-1"],
  "Domain.tlsMode": ["opportunistic", "enforced"],
  "Domain.streamPreference": ["any", "transactional", "marketing", "notification"],
  "DnsRecord.type": ["TXT", "CNAME", "MX", "SRV"],
  "DnsRecord.purpose": ["spf", "dkim", "dkim_rotation", "dmarc", "return_path", "mx", "imap", "submission"],
  "DkimRotation.state": ["idle", "pending_dns", "ready", "retiring"],
  "DmarcReport.status": ["pending", "processed", "error"],
  "ApiKey.permission": ["full_access", "sending_access"],
  "ApiKey.mode": ["live", "test"],
  "Suppression.reason": ["hard_bounce", "complaint", "unsubscribe", "manual"],
  "EmailValidation.result": ["deliverable", "undeliverable", "risky", "unknown"],
  "EmailValidation.risk": ["low", "medium", "high"],
  "NotificationChannel.type": ["slack", "discord", "telegram", "web_push"],
  "WebhookDelivery.status": ["pending", "success", "failed"]
}

/** Field names that carry an enum wherever they appear in a response. */
const ENUM_FIELDS = new Set([
  "status",
  "eventType",
  "purpose",
  "permission",
  "mode",
  "region",
  "tlsMode",
  "streamPreference",
  "state",
  "severity",
  "action",
  "reason",
  "result",
  "risk",
  "bucket",
  "ownership",
  "spamVerdict"
])

/** Where the contract itself types one of those names as an open string. */
const OPEN = new Set([
  // Webhook and channel deliveries name any event, subscribed by name or `*` (contract 8.9, 8.17).
  "WebhookDelivery.eventType",
  "NotificationDelivery.eventType"
])

const resolve = (schema: JsonSchema): [string | undefined, JsonSchema] => {
  if (schema.$ref === undefined) return [undefined, schema]
  const name = schema.$ref.split("/").at(-1) ?? ""
  return [name, doc.components.schemas[name] ?? {}]
}

/** Every `(owner.field, schema)` of every 2xx JSON response, components visited once. */
const responseFields = () => {
  const fields: Array<[string, JsonSchema]> = []
  const seen = new Set<string>()
  const walk = (input: JsonSchema, owner: string) => {
    const [name, schema] = resolve(input)
    if (name !== undefined) {
      if (seen.has(name)) return
      seen.add(name)
    }
    const here = name ?? owner
    for (const [key, value] of Object.entries(schema.properties ?? {})) {
      fields.push([`${here}.${key}`, value])
      walk(value, `${here}.${key}`)
    }
    if (schema.items !== undefined) walk(schema.items, `${here}[]`)
    if (typeof schema.additionalProperties === "object") walk(schema.additionalProperties, `${here}{}`)
    for (const member of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])])
      walk(member, here)
  }
  for (const [path, operations] of Object.entries(doc.paths))
    for (const [method, operation] of Object.entries(operations))
      for (const [status, response] of Object.entries(operation.responses ?? {}))
        if (status.startsWith("2")) {
          const schema = response.content?.["application/json"]?.schema
          if (schema !== undefined) walk(schema, `${method} ${path}`)
        }
  return fields
}

/** The enum a field declares, a null beside it left out. */
const enumOf = (field: JsonSchema): ReadonlyArray<unknown> | undefined => {
  const [, schema] = resolve(field)
  if (schema.enum !== undefined) return schema.enum
  const members = (schema.anyOf ?? []).map((m) => resolve(m)[1]).filter((m) => m.type !== "null")
  return members.length === 1 ? members[0]?.enum : undefined
}

/** A number field (an HTTP status code, as the request log's `status` is) names no enum value. */
const isNumber = (field: JsonSchema) => {
  const [, schema] = resolve(field)
  return schema.type === "integer" || schema.type === "number"
}

describe("wire views declare the SDK's enums", () => {
  const fields = responseFields()

  it("with exactly the contract's values", () => {
    const declared = Object.fromEntries(
      fields.filter(([name]) => name in CONTRACT).map(([name, schema]) => [name, enumOf(schema)])
    )
    expect(declared).toEqual(CONTRACT)
  })

  it("and never an enum field as a bare string anywhere in a response", () => {
    const bare = fields
      .filter(([name]) => ENUM_FIELDS.has(name.split(".").at(-1) ?? "") && !OPEN.has(name))
      .filter(([, schema]) => enumOf(schema) === undefined && !isNumber(schema))
      .map(([name]) => name)
    // Liveness and readiness have one status each: literals too, so nothing is left.
    expect(bare).toEqual([])
    expect(fields.length).toBeGreaterThan(100)
  })
})
