import {
  type ApiKey,
  canSend,
  domainOf,
  hasBareLineBreak,
  headerValue,
  isControlHeader,
  MessageMalformed,
  normalizeAddress,
  type ParsedAddress,
  readHead,
  rewriteHeaders,
  SenderNotAllowed,
  type SendRequest,
  structuralProblem,
  submissionOptions
} from "@poststack/domain"
import { Clock, Effect, Option } from "effect"
import { DomainRepository } from "../../ports/DomainRepository.js"
import { MailParser } from "../../ports/MailParser.js"
import { SendEmail } from "../emails/SendEmail.js"
import { RenderTemplateForSend } from "../templates/RenderTemplateForSend.js"

export interface Envelope {
  readonly from: string
  readonly to: ReadonlyArray<string>
}

/**
 * The sender must be on a verified domain of the key's team, and inside the key's scope. `allowed`
 * holds the domains already found so for this message (the envelope sender, From and Sender are
 * usually of one domain): each is looked up once, and a domain already found costs no effect step.
 */
const requireSender = (caller: ApiKey, raw: string, allowed: Set<string>) => {
  const address = normalizeAddress(raw)
  if (address === undefined)
    return Effect.fail(new SenderNotAllowed({ message: `Sender ${raw} is not an address` }))
  const name = domainOf(address)
  return allowed.has(name) ? Effect.void : lookUpSender(caller, name, allowed)
}

const lookUpSender = Effect.fnUntraced(function* (caller: ApiKey, name: string, allowed: Set<string>) {
  const domain = yield* Effect.flatMap(DomainRepository, (domains) => domains.findByName(caller.teamId, name))
  if (Option.isNone(domain) || !canSend(domain.value)) {
    return yield* new SenderNotAllowed({ message: `${name} is not a verified domain of this team` })
  }
  if (caller.domainId !== null && caller.domainId !== domain.value.id) {
    return yield* new SenderNotAllowed({
      message: `This API key may only send from its own domain, not ${name}`
    })
  }
  allowed.add(name)
})

const display = (m: ParsedAddress) =>
  m.name === null || m.name === "" ? m.address : `${JSON.stringify(m.name)} <${m.address}>`

/**
 * Signatures and verdicts are written by whoever signs or verifies a message: in a submission they
 * are forgeries (a DKIM-Signature of another domain, a "dkim=pass"), as the API refuses them as
 * custom headers. The message is signed by us on its way out.
 */
const FORGEABLE = new Set([
  "dkim-signature",
  "arc-seal",
  "arc-message-signature",
  "arc-authentication-results",
  "authentication-results"
])

/** Headers that never leave with the message: our control headers, Bcc, a Return-Path the receiver writes, and forgeable ones. */
const dropped = (name: string) =>
  isControlHeader(name) || name === "bcc" || name === "return-path" || FORGEABLE.has(name)

/**
 * A message submitted over the SMTP relay: refuses smuggling-shaped line breaks, reads the
 * `X-PostStack-*` headers, checks the envelope sender and `From:`, and sends it through
 * `SendEmail` (suppression, idempotency, events, test mode) as the exact bytes submitted, less
 * the headers that must not be delivered.
 */
// Untraced, as `SendEmail` is: it runs for every relayed message.
export const SubmitMessage = Effect.fnUntraced(function* (
  caller: ApiKey,
  envelope: Envelope,
  raw: Uint8Array
) {
  if (hasBareLineBreak(raw)) {
    return yield* new MessageMalformed({ message: "bare CR or LF in message: every line must end with CRLF" })
  }
  // The limits our MX applies: one pass over the bytes, before the parser walks the structure.
  const problem = structuralProblem(raw)
  if (problem !== undefined) return yield* new MessageMalformed({ message: problem })
  // The header block is read once, for the checks here and for the rewrite below.
  const head = readHead(raw)
  const headers = head.headers
  const options = submissionOptions(headers)
  if (typeof options === "string") return yield* new MessageMalformed({ message: options })
  const parsed = yield* Effect.flatMap(MailParser, (parser) => parser.parse(raw)).pipe(
    Effect.catchTag("MessageUnreadable", (e) => new MessageMalformed({ message: e.message }))
  )
  if (parsed.from === null)
    return yield* new MessageMalformed({ message: "the message has no From: address" })
  // Every identity the recipient may be shown must be the team's: one From address, and the Sender if any.
  const fromHeaders = headers.filter((h) => h.name.toLowerCase() === "from").length
  if (fromHeaders !== 1 || parsed.fromAll.length !== 1) {
    return yield* new MessageMalformed({ message: "the message must have exactly one From: address" })
  }
  // A second Sender (another header, or another address in it) would be shown by some readers and
  // checked by no one: RFC 5322 allows one mailbox there.
  const senderHeaders = headers.filter((h) => h.name.toLowerCase() === "sender").length
  if (senderHeaders > 1 || parsed.senderAll.length > 1) {
    return yield* new MessageMalformed({ message: "the message may have at most one Sender: address" })
  }
  const allowed = new Set<string>()
  yield* requireSender(caller, envelope.from, allowed)
  yield* requireSender(caller, parsed.from.address, allowed)
  if (parsed.sender !== null) yield* requireSender(caller, parsed.sender.address, allowed)

  // Envelope recipients are who receives it; the headers only say in which role.
  const inHeader = (list: ReadonlyArray<ParsedAddress>, address: string) =>
    list.some((m) => m.address.toLowerCase() === address.toLowerCase())
  const to = envelope.to.filter((a) => inHeader(parsed.to, a))
  const cc = envelope.to.filter((a) => !inHeader(parsed.to, a) && inHeader(parsed.cc, a))
  const bcc = envelope.to.filter((a) => !inHeader(parsed.to, a) && !inHeader(parsed.cc, a))

  const now = new Date(yield* Clock.currentTimeMillis)
  const ownId = headerValue(headers, "message-id")
  const keepsId = ownId !== undefined && /^<[^<>\s@]+@[^<>\s@]+>$/.test(ownId)
  const messageId = keepsId
    ? ownId
    : `<${yield* Effect.sync(() => crypto.randomUUID())}@${domainOf(parsed.from.address)}>`
  const prepend = [
    ...(keepsId ? [] : [`Message-ID: ${messageId}`]),
    ...(headerValue(headers, "date") === undefined ? [`Date: ${now.toUTCString()}`] : [])
  ]
  // A template send is composed from the template (the submitted body is replaced); any other
  // message leaves as the bytes submitted.
  const template =
    options.templateId === null
      ? null
      : yield* RenderTemplateForSend(
          caller,
          options.templateId,
          options.variables,
          (to[0] ?? bcc[0]) as string
        )

  const request: SendRequest = {
    from: display(parsed.from),
    // The roles only matter for the record; a recipient missing from To and Cc is a blind copy.
    to: to.length > 0 ? to : bcc.slice(0, 1),
    cc,
    bcc: to.length > 0 ? bcc : bcc.slice(1),
    replyTo: [],
    subject: template?.subject ?? parsed.subject ?? "",
    html: template === null ? parsed.html : template.html,
    text: template === null ? parsed.text : template.text,
    headers: {},
    tags: options.tags,
    attachments: parsed.attachments.map((a, i) => ({
      filename: (a.filename ?? `attachment-${i + 1}`).replace(/[\p{Cc}/\\]/gu, "_"),
      content: a.content,
      contentType: null,
      contentId: null
    })),
    scheduledAt: null,
    unsubscribe: false,
    tracking: { opens: false, clicks: false }
  }
  return yield* SendEmail(
    caller,
    request,
    options.idempotencyKey === null ? null : { source: "body", key: options.idempotencyKey },
    template === null
      ? {
          bytes: rewriteHeaders(raw, (n) => dropped(n) || (!keepsId && n === "message-id"), prepend, head),
          messageId
        }
      : null
  )
})
