import { gunzipSync, inflateRawSync } from "node:zlib"
import { DmarcReportReader, MessageUnreadable } from "@poststack/application"
import { Effect, Layer } from "effect"
import { XMLParser } from "fast-xml-parser"

/** A report this large once unpacked is refused: compression must not turn a small mail into a large allocation. */
const MAX_XML_BYTES = 20 * 1024 * 1024

const unreadable = (message: string) => new MessageUnreadable({ message })

/** The first file of a zip archive, found through its central directory (sizes are reliable there). */
const unzipFirst = (zip: Buffer): Buffer => {
  let end = -1
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      end = i
      break
    }
  }
  if (end === -1) throw new Error("not a zip archive")
  const central = zip.readUInt32LE(end + 16)
  if (zip.readUInt32LE(central) !== 0x02014b50) throw new Error("broken zip directory")
  const method = zip.readUInt16LE(central + 10)
  const compressed = zip.readUInt32LE(central + 20)
  const local = zip.readUInt32LE(central + 42)
  if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error("broken zip entry")
  const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28)
  const data = zip.subarray(start, start + compressed)
  if (method === 0) return data
  if (method === 8) return inflateRawSync(data, { maxOutputLength: MAX_XML_BYTES })
  throw new Error(`zip compression method ${method} not supported`)
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  processEntities: false,
  isArray: (name) => name === "record"
})

/** XML by fast-xml-parser; gzip and zip by node:zlib, bounded in output. */
export const make = DmarcReportReader.of({
  read: (part) =>
    Effect.try({
      try: () => {
        const bytes = Buffer.from(part.content)
        const name = (part.filename ?? "").toLowerCase()
        const type = part.contentType.toLowerCase()
        const xml =
          bytes[0] === 0x1f && bytes[1] === 0x8b
            ? gunzipSync(bytes, { maxOutputLength: MAX_XML_BYTES })
            : bytes.readUInt32LE(0) === 0x04034b50 || name.endsWith(".zip") || type.includes("zip")
              ? unzipFirst(bytes)
              : bytes
        if (xml.length > MAX_XML_BYTES) throw new Error("report too large")
        return parser.parse(xml.toString("utf8")) as unknown
      },
      catch: (error) =>
        unreadable(`unreadable DMARC report: ${error instanceof Error ? error.message : "error"}`)
    })
})

export const layer = Layer.succeed(DmarcReportReader, make)
