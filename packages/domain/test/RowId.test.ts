import { describe, expect, it } from "vitest"
import { MAX_ROW_ID, rowIdFrom } from "../src/RowId.js"
import { parseTopicParam } from "../src/tracking/Links.js"
import { webhookIdFrom } from "../src/webhooks/Webhook.js"

describe("row ids written as text", () => {
  it("reads plain decimals up to the integer column's largest value", () => {
    expect(rowIdFrom("1")).toBe(1)
    expect(rowIdFrom("2147483647")).toBe(MAX_ROW_ID)
  })

  it("names no row for any other spelling or a value past the column", () => {
    for (const bad of [
      "0",
      "-1",
      "01",
      "+1",
      " 1",
      "1 ",
      "0x1",
      "1e3",
      "1.0",
      "2147483648",
      "99999999999",
      ""
    ])
      expect(rowIdFrom(bad), bad).toBeUndefined()
  })

  it("is the one rule for workflow webhook ids and unsubscribe topics", () => {
    expect(webhookIdFrom("12")).toBe(12)
    expect(webhookIdFrom("2147483648")).toBeNull()
    expect(parseTopicParam("7")).toBe(7)
    expect(parseTopicParam("2147483648")).toBeUndefined()
    expect(parseTopicParam(undefined)).toBeUndefined()
  })
})
