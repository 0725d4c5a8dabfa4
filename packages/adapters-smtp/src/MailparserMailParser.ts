import { MailParser, MessageUnreadable } from "@poststack/application"
import type { ParsedAddress, ParsedMessage } from "@poststack/domain"
import { Duration, Effect, Layer } from "effect"
import { type AddressObject, type EmailAddress, type ParsedMail, simpleParser } from "mailparser"
import { headerTexts, readSimpleMessage } from "./SimpleMessageReader.js"

/** Parsing one message may take this long; a message built to be slow to parse is refused instead. */
const PARSE_TIMEOUT = Duration.seconds(15)

const flatten = (entries: ReadonlyArray<EmailAddress>): Array<ParsedAddress> =>
  entries.flatMap((e) =>
    e.group !== undefined
      ? flatten(e.group)
      : e.address === undefined || e.address === ""
        ? []
        : [{ address: e.address, name: e.name === "" ? null : e.name }]
  )

const addresses = (value: AddressObject | ReadonlyArray<AddressObject> | undefined): Array<ParsedAddress> =>
  value === undefined ? [] : flatten((Array.isArray(value) ? value : [value]).flatMap((v) => v.value))

/**
 * `simpleParser`, failing after `PARSE_TIMEOUT`. A plain timer rather than `Effect.timeout`, which
 * races two fibers: this runs for every message the relay and the MX receive.
 */
const parseBounded = (raw: Uint8Array) =>
  Effect.async<ParsedMail, MessageUnreadable>((resumeOnce) => {
    let settled = false
    const resume = (effect: Effect.Effect<ParsedMail, MessageUnreadable>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resumeOnce(effect)
    }
    const timer = setTimeout(
      () => resume(Effect.fail(new MessageUnreadable({ message: "the message took too long to parse" }))),
      Duration.toMillis(PARSE_TIMEOUT)
    )
    simpleParser(Buffer.from(raw), {
      skipTextToHtml: true,
      keepCidLinks: true,
      maxHtmlLengthToParse: 2 * 1024 * 1024
    }).then(
      (mail) => resume(Effect.succeed(mail)),
      (error: unknown) =>
        resume(
          Effect.fail(
            new MessageUnreadable({
              message: `unreadable MIME: ${error instanceof Error ? error.message : "error"}`
            })
          )
        )
    )
    return Effect.sync(() => {
      settled = true
      clearTimeout(timer)
    })
  })

/** mailparser's `simpleParser`, bounded in time; its result mapped to domain values. */
export const parseWithMailparser = (raw: Uint8Array) =>
  parseBounded(raw).pipe(
    Effect.map(
      (mail): ParsedMessage => ({
        from: addresses(mail.from)[0] ?? null,
        fromAll: addresses(mail.from),
        sender: addresses(mail.headers.get("sender") as AddressObject | undefined)[0] ?? null,
        senderAll: addresses(mail.headers.get("sender") as AddressObject | undefined),
        to: addresses(mail.to),
        cc: addresses(mail.cc),
        subject: mail.subject ?? null,
        messageId: mail.messageId ?? null,
        inReplyTo: mail.inReplyTo ?? null,
        references: mail.references === undefined ? [] : [mail.references].flat(),
        date: mail.date ?? null,
        html: typeof mail.html === "string" ? mail.html : null,
        text: mail.text ?? null,
        headers: headerTexts(mail.headerLines),
        attachments: mail.attachments.map((a) => ({
          filename: a.filename ?? null,
          contentType: a.contentType,
          contentId: a.contentId ?? null,
          content: new Uint8Array(a.content)
        }))
      })
    )
  )

/**
 * Messages of the plain shape most mail has are read by `readSimpleMessage` (the same answer,
 * several times faster and without leaving the tick), every other one by mailparser.
 */
export const make = MailParser.of({
  parse: (raw) =>
    Effect.suspend(() => {
      const simple = readSimpleMessage(raw)
      return simple === undefined ? parseWithMailparser(raw) : Effect.succeed(simple)
    })
})

export const layer = Layer.succeed(MailParser, make)
