import { describe, expect, it } from "vitest"
import { CsvSyntaxError, csvParser, type ParsedRecord } from "@poststack/domain"

/** The records of `text` fed in pieces of `piece` characters, or the error's line and message. */
const read = (text: string, piece = Number.MAX_SAFE_INTEGER, max = 1_000_000) => {
  const parser = csvParser(max)
  const out: Array<ParsedRecord> = []
  try {
    for (let i = 0; i < text.length; i += piece) parser.push(text.slice(i, i + piece), out)
    parser.end(out)
  } catch (e) {
    if (e instanceof CsvSyntaxError) return `line ${e.line}: ${e.message}`
    throw e
  }
  return out.map((r) => [r.line, ...r.cells])
}

describe("the CSV reader of the contacts import", () => {
  it("reads RFC 4180 quoting, a BOM, CRLF, LF and lone CR, and names each record by its first line", () => {
    const text =
      '\ufeffemail,name\r\nann@example.com,"Lee, Ann"\r\n\r\n"bo@example.com","O""Neil\r\nsecond\nthird"\n' +
      "cy@example.com,\rdee@example.com,Dee,\n" +
      '"",x'
    expect(read(text)).toEqual([
      [1, "email", "name"],
      [2, "ann@example.com", "Lee, Ann"],
      [4, "bo@example.com", 'O"Neil\r\nsecond\nthird'],
      [7, "cy@example.com", ""],
      [8, "dee@example.com", "Dee", ""],
      [9, "", "x"]
    ])
  })

  it("reads a spreadsheet's semicolon-separated file when its header has semicolons and no comma", () => {
    const text =
      '\ufeffemail;first_name;city\r\nann@example.com;"Lee; Ann";M\u00fcnchen\r\nbo@example.com;Bo, Jr.;\r\n'
    const expected = [
      [1, "email", "first_name", "city"],
      [2, "ann@example.com", "Lee; Ann", "M\u00fcnchen"],
      [3, "bo@example.com", "Bo, Jr.", ""]
    ]
    expect(read(text)).toEqual(expected)
    for (const piece of [1, 2, 3, 7]) expect(read(text, piece)).toEqual(expected)
    // A comma in the header keeps commas as the separator, whatever the cells hold.
    expect(read("email,note\nann@example.com,a;b\n")).toEqual([
      [1, "email", "note"],
      [2, "ann@example.com", "a;b"]
    ])
    expect(read("email;name")).toEqual([[1, "email", "name"]])
  })

  it("gives the same records however the text is cut into pieces", () => {
    const text = 'a,"b\r\n""c"""\r\n\r\n1,2\r3\n"x",,"y"\n\u00e9t\u00e9,"",\n'
    const whole = read(text)
    for (const piece of [1, 2, 3, 5, 8]) expect(read(text, piece)).toEqual(whole)
  })

  it("stops at the line where the file stops being CSV", () => {
    expect(read('a,b\n1,"open\n2,3\n4,5\n')).toBe(
      "line 2: Quote Not Closed: a quoted cell starting here never ends"
    )
    expect(read('a,b\n1,2\n3,x"y\n')).toBe("line 3: Invalid Opening Quote: a quote inside an unquoted cell")
    expect(read('a,b\n"1"2,3\n')).toBe(
      "line 2: Invalid Closing Quote: text after the quote that closes a cell"
    )
    // A stray quote does not turn the rest of a large file into one cell held in memory.
    expect(read(`a\n"${"x\n".repeat(100)}`, 16, 50)).toMatch(/^line \d+: Max Record Size/)
  })
})
