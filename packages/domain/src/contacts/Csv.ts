import type { Contact } from "./Contact.js"

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote, CR or LF, quotes doubled. A cell a
 * spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a leading `'`, so an
 * exported address or name cannot become a formula in the reader's spreadsheet.
 */
export const csvCell = (value: string): string => {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe
}

const text = (value: unknown): string =>
  value === null || value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value)

/**
 * The contacts as a CSV document: a header row of the fixed columns then one column per property
 * name found, CRLF line ends.
 */
export const contactsCsv = (contacts: ReadonlyArray<Contact>): string => {
  const propertyNames = [...new Set(contacts.flatMap((c) => Object.keys(c.properties)))].sort()
  const header = [
    "id",
    "email",
    "first_name",
    "last_name",
    "unsubscribed",
    "engagement_segment",
    "created_at",
    ...propertyNames
  ]
  const rows = contacts.map((c) => [
    c.publicId,
    c.email,
    text(c.firstName),
    text(c.lastName),
    String(c.unsubscribed),
    c.engagementSegment,
    c.createdAt.toISOString(),
    ...propertyNames.map((n) => text(c.properties[n]))
  ])
  return [header, ...rows].map((r) => `${r.map(csvCell).join(",")}\r\n`).join("")
}
