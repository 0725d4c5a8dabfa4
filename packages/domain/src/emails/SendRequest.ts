import { checkCustomHeaders } from "./Headers.js"
import { type Mailbox, parseMailbox } from "./Address.js"
import { textProblem } from "../Text.js"

export interface AttachmentInput {
  readonly filename: string
  readonly content: Uint8Array
  readonly contentType: string | null
  readonly contentId: string | null
}

/** A send as the API or the SMTP relay hands it over, before validation. */
export interface SendRequest {
  readonly from: string
  readonly to: ReadonlyArray<string>
  readonly cc: ReadonlyArray<string>
  readonly bcc: ReadonlyArray<string>
  readonly replyTo: ReadonlyArray<string>
  readonly subject: string
  readonly html: string | null
  readonly text: string | null
  readonly headers: Readonly<Record<string, string>>
  readonly tags: ReadonlyArray<string>
  readonly attachments: ReadonlyArray<AttachmentInput>
  readonly scheduledAt: Date | null
  readonly unsubscribe: boolean
  readonly tracking: { readonly opens: boolean | null; readonly clicks: boolean | null }
}

/**
 * A send of only a sender, recipients, a subject and bodies (and whatever `fields` adds): no
 * copies, reply-to, custom headers, tags, attachments, schedule, unsubscribe link or tracking
 * override. Sends PostStack makes itself (replies, forwards, previews) start from it.
 */
export const plainSendRequest = (
  fields: Pick<SendRequest, "from" | "to" | "subject" | "html" | "text"> & Partial<SendRequest>
): SendRequest => ({
  cc: [],
  bcc: [],
  replyTo: [],
  headers: {},
  tags: [],
  attachments: [],
  scheduledAt: null,
  unsubscribe: false,
  tracking: { opens: null, clicks: null },
  ...fields
})

/** A send that passed every check that needs no storage. */
export interface ValidSend {
  readonly from: Mailbox
  readonly to: ReadonlyArray<Mailbox>
  readonly cc: ReadonlyArray<Mailbox>
  readonly bcc: ReadonlyArray<Mailbox>
  readonly replyTo: ReadonlyArray<Mailbox>
  readonly request: SendRequest
}

export const LIMITS = {
  recipients: 50,
  subjectLength: 998,
  bodyBytes: 5 * 1024 * 1024,
  attachmentBytes: 10 * 1024 * 1024,
  attachmentsTotalBytes: 25 * 1024 * 1024,
  attachments: 100,
  tags: 20,
  tagLength: 256,
  scheduleAheadMs: 30 * 24 * 60 * 60 * 1000
} as const

const addresses = (field: string, raw: ReadonlyArray<string>): ReadonlyArray<Mailbox> | string => {
  const out: Array<Mailbox> = []
  for (const value of raw) {
    const parsed = parseMailbox(value)
    if (parsed === undefined)
      return `${field} contains an invalid address: ${JSON.stringify(value.slice(0, 100))}`
    out.push(parsed)
  }
  return out
}

/** The first string of the request that could not be stored, named by its API field; undefined when none. */
const unstorableText = (request: SendRequest): string | undefined => {
  const fields: ReadonlyArray<readonly [string, ReadonlyArray<string | null>]> = [
    ["from", [request.from]],
    ["to", request.to],
    ["cc", request.cc],
    ["bcc", request.bcc],
    ["reply_to", request.replyTo],
    ["subject", [request.subject]],
    ["html", [request.html]],
    ["text", [request.text]],
    ["headers", [...Object.keys(request.headers), ...Object.values(request.headers)]],
    ["tags", request.tags],
    ["attachments", request.attachments.flatMap((a) => [a.filename, a.contentType, a.contentId])]
  ]
  for (const [field, values] of fields) {
    for (const value of values) {
      const problem = value === null ? undefined : textProblem(value)
      if (problem !== undefined) return `${field} ${problem}`
    }
  }
  return undefined
}

const bytes = (text: string | null) => (text === null ? 0 : new TextEncoder().encode(text).length)

/** Every rule of a send that needs nothing but the request itself; the first problem found, as a sentence. */
export const validateSend = (request: SendRequest, now: Date): ValidSend | string => {
  const from = parseMailbox(request.from)
  if (from === undefined) return "from must be an address, optionally with a name: Name <name@example.com>"
  const to = addresses("to", request.to)
  if (typeof to === "string") return to
  if (to.length === 0) return "to must name at least one recipient"
  const cc = addresses("cc", request.cc)
  if (typeof cc === "string") return cc
  const bcc = addresses("bcc", request.bcc)
  if (typeof bcc === "string") return bcc
  const replyTo = addresses("reply_to", request.replyTo)
  if (typeof replyTo === "string") return replyTo
  if (to.length + cc.length + bcc.length > LIMITS.recipients) {
    return `at most ${LIMITS.recipients} recipients (to, cc and bcc together)`
  }
  if (request.subject.trim() === "") return "subject must not be empty"
  if (request.subject.length > LIMITS.subjectLength)
    return `subject must be at most ${LIMITS.subjectLength} characters`
  if (/[\r\n]/.test(request.subject)) return "subject must not contain line breaks"
  // Tab is the one control character a header may carry; NUL could not even be stored.
  if (/[^\P{Cc}\t]/u.test(request.subject)) return "subject must not contain control characters"
  if ((request.html ?? "").includes("\0") || (request.text ?? "").includes("\0"))
    return "html and text must not contain NUL characters"
  if ((request.html ?? "") === "" && (request.text ?? "") === "") return "html or text is required"
  if (bytes(request.html) + bytes(request.text) > LIMITS.bodyBytes)
    return "html and text must be at most 5 MB together"
  const headerProblem = checkCustomHeaders(request.headers)
  if (headerProblem !== undefined) return `header ${headerProblem.header} ${headerProblem.reason}`
  if (request.tags.length > LIMITS.tags) return `at most ${LIMITS.tags} tags`
  for (const tag of request.tags) {
    if (tag.length === 0 || tag.length > LIMITS.tagLength || /\p{Cc}/u.test(tag)) {
      return `tags must be 1 to ${LIMITS.tagLength} printable characters`
    }
  }
  if (request.attachments.length > LIMITS.attachments) return `at most ${LIMITS.attachments} attachments`
  let total = 0
  for (const attachment of request.attachments) {
    if (attachment.filename.trim() === "" || /[\p{Cc}/\\]/u.test(attachment.filename)) {
      return "every attachment needs a filename without control characters or slashes"
    }
    if (attachment.content.length > LIMITS.attachmentBytes) {
      return `attachment ${attachment.filename} is larger than 10 MB`
    }
    if (attachment.contentType !== null && !/^[\w.+-]+\/[\w.+-]+$/.test(attachment.contentType)) {
      return `attachment ${attachment.filename} has an invalid content_type`
    }
    // A Content-ID is a message id: printable ASCII without angle brackets, as the header needs.
    if (attachment.contentId !== null && !/^[!-;=?-~]{1,200}$/.test(attachment.contentId)) {
      return `attachment ${attachment.filename} has an invalid content_id`
    }
    total += attachment.content.length
  }
  if (total > LIMITS.attachmentsTotalBytes) return "attachments must be at most 25 MB together"
  if (
    request.scheduledAt !== null &&
    request.scheduledAt.getTime() - now.getTime() > LIMITS.scheduleAheadMs
  ) {
    return "scheduled_at must be within 30 days"
  }
  const unstorable = unstorableText(request)
  if (unstorable !== undefined) return unstorable
  return { from, to, cc, bcc, replyTo, request }
}
