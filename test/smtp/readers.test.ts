import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { deflateRawSync, gzipSync } from "node:zlib"
import { FileBlobStore } from "@poststack/adapters-persistence"
import { FastXmlDmarcReportReader } from "@poststack/adapters-smtp"
import { Effect, Exit, Option } from "effect"
import { describe, expect, it } from "vitest"

const xml =
  "<feedback><report_metadata><org_name>isp</org_name><report_id>z1</report_id></report_metadata></feedback>"

/** A one-file zip archive, written the way report senders write them (deflate, sizes in the central directory). */
const zip = (name: string, content: Buffer) => {
  const data = deflateRawSync(content)
  const local = Buffer.alloc(30)
  local.writeUInt32LE(0x04034b50, 0)
  local.writeUInt16LE(8, 8)
  local.writeUInt16LE(name.length, 26)
  const central = Buffer.alloc(46)
  central.writeUInt32LE(0x02014b50, 0)
  central.writeUInt16LE(8, 10)
  central.writeUInt32LE(data.length, 20)
  central.writeUInt32LE(content.length, 24)
  central.writeUInt16LE(name.length, 28)
  central.writeUInt32LE(0, 42)
  const localPart = Buffer.concat([local, Buffer.from(name), data])
  const centralPart = Buffer.concat([central, Buffer.from(name)])
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(1, 8)
  end.writeUInt16LE(1, 10)
  end.writeUInt32LE(centralPart.length, 12)
  end.writeUInt32LE(localPart.length, 16)
  return Buffer.concat([localPart, centralPart, end])
}

const reader = Effect.runSync(FastXmlDmarcReportReader.make)
const read = (content: Buffer, filename: string, contentType: string) =>
  Effect.runPromiseExit(
    reader.read({
      filename,
      contentType,
      contentId: null,
      content: new Uint8Array(content)
    })
  )

describe("DMARC report attachments", () => {
  it("opens plain XML, gzip and zip into the same element tree", async () => {
    for (const [content, name, type] of [
      [Buffer.from(xml), "r.xml", "text/xml"],
      [gzipSync(Buffer.from(xml)), "r.xml.gz", "application/gzip"],
      [zip("r.xml", Buffer.from(xml)), "r.zip", "application/zip"]
    ] as const) {
      const exit = await read(content, name, type)
      expect(exit).toEqual(
        Exit.succeed({ feedback: { report_metadata: { org_name: "isp", report_id: "z1" } } })
      )
    }
  })

  /** The longest the event loop went without a turn while `work` ran. */
  const longestStall = async <A>(work: () => Promise<A>) => {
    let last = performance.now()
    let longest = 0
    const timer = setInterval(() => {
      const now = performance.now()
      longest = Math.max(longest, now - last)
      last = now
    }, 5)
    try {
      const result = await work()
      return { result, longest: Math.max(longest, performance.now() - last) }
    } finally {
      clearInterval(timer)
    }
  }

  const record = `<record><row><source_ip>203.0.113.9</source_ip><count>2</count><policy_evaluated><disposition>none</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row><identifiers><envelope_from>a.test</envelope_from><header_from>a.test</header_from></identifiers><auth_results><dkim><domain>a.test</domain><selector>s1</selector><result>pass</result></dkim><spf><domain>a.test</domain><scope>mfrom</scope><result>pass</result></spf></auth_results></record>\n`
  const report = (records: number) =>
    `<?xml version="1.0"?><feedback><report_metadata><org_name>isp</org_name><report_id>big</report_id></report_metadata><policy_published><domain>a.test</domain></policy_published>${record.repeat(records)}</feedback>`

  // A 19 KB gzip of 19 MB of `<a/>` once held the event loop for seconds per attachment (the whole
  // server: HTTP and SMTP). The bounds are generous for a loaded machine; before, it was about 9 s.
  it("refuses a tag bomb without holding the event loop", async () => {
    for (const tags of [(19 * 1024 * 1024) / 4, 1_000_000]) {
      const bomb = gzipSync(Buffer.from(`<feedback>${"<a/>".repeat(tags)}</feedback>`), { level: 9 })
      const started = performance.now()
      const { result, longest } = await longestStall(() => read(bomb, "r.xml.gz", "application/gzip"))
      expect(Exit.isFailure(result)).toBe(true)
      expect(longest).toBeLessThan(500)
      expect(performance.now() - started).toBeLessThan(5_000)
    }
  })

  it("still reads the largest report the domain keeps, off the event loop", async () => {
    const { result, longest } = await longestStall(() =>
      read(gzipSync(Buffer.from(report(10_000))), "r.xml.gz", "application/gzip")
    )
    expect(longest).toBeLessThan(500)
    const tree = Exit.isSuccess(result)
      ? (result.value as { feedback: { record: Array<unknown> } })
      : undefined
    expect(tree?.feedback.record).toHaveLength(10_000)
  })

  it("refuses archives that unpack beyond the limit, and broken ones", async () => {
    const bomb = gzipSync(Buffer.alloc(25 * 1024 * 1024, 0x20))
    expect(Exit.isFailure(await read(bomb, "r.xml.gz", "application/gzip"))).toBe(true)
    expect(Exit.isFailure(await read(Buffer.from("PK\x03\x04broken"), "r.zip", "application/zip"))).toBe(true)
  })
})

describe("file blob store", () => {
  it("writes, reads and removes by key, and refuses keys that leave its folder", async () => {
    const store = FileBlobStore.make(mkdtempSync(path.join(tmpdir(), "poststack-blob-test-")))
    await Effect.runPromise(store.put("inbound/a1/raw", new Uint8Array([1, 2, 3])))
    expect(await Effect.runPromise(store.get("inbound/a1/raw"))).toEqual(
      Option.some(new Uint8Array([1, 2, 3]))
    )
    await Effect.runPromise(store.remove("inbound/a1/raw"))
    expect(await Effect.runPromise(store.get("inbound/a1/raw"))).toEqual(Option.none())
    const outside = await Effect.runPromiseExit(store.put("../outside", new Uint8Array([1])))
    expect(Exit.isFailure(outside)).toBe(true)
  })
})
