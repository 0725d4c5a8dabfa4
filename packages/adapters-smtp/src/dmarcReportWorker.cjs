// Opens one DMARC report attachment in a worker thread (see FastXmlDmarcReportReader.ts): plain
// CommonJS, so it starts without a TypeScript loader. Unpacking and parsing are the expensive
// part of a report, and a hostile one is built to make them so; here they cost this thread, never
// the server's event loop. Bounds arrive in workerData; the answer is `{ tree }` or `{ error }`.
const { parentPort, workerData } = require("node:worker_threads")
const { gunzipSync, inflateRawSync } = require("node:zlib")
const { XMLParser } = require("fast-xml-parser")

const { content, filename, contentType, maxXmlBytes, maxTags } = workerData

/** The first file of a zip archive, found through its central directory (sizes are reliable there). */
const unzipFirst = (zip) => {
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
  if (method === 8) return inflateRawSync(data, { maxOutputLength: maxXmlBytes })
  throw new Error(`zip compression method ${method} not supported`)
}

/** How many `<` the text holds: every tag, closing tag and comment has one, so it bounds the parser's work. */
const countTags = (xml) => {
  let n = 0
  for (let i = xml.indexOf(0x3c); i !== -1 && n <= maxTags; i = xml.indexOf(0x3c, i + 1)) n++
  return n
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  processEntities: false,
  isArray: (name) => name === "record"
})

const open = () => {
  const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength)
  const name = (filename ?? "").toLowerCase()
  const type = contentType.toLowerCase()
  if (bytes.length < 4) throw new Error("report too short")
  const xml =
    bytes[0] === 0x1f && bytes[1] === 0x8b
      ? gunzipSync(bytes, { maxOutputLength: maxXmlBytes })
      : bytes.readUInt32LE(0) === 0x04034b50 || name.endsWith(".zip") || type.includes("zip")
        ? unzipFirst(bytes)
        : bytes
  if (xml.length > maxXmlBytes) throw new Error("report too large")
  if (countTags(xml) > maxTags) throw new Error(`report has more than ${maxTags} tags`)
  return parser.parse(xml.toString("utf8"))
}

try {
  parentPort.postMessage({ tree: open() })
} catch (error) {
  parentPort.postMessage({ error: error instanceof Error ? error.message : "error" })
}
