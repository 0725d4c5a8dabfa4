import { describe, expect, it } from "@effect/vitest"
import { MemoryDmarcReportRepository } from "@poststack/adapters-persistence"
import { DmarcReportReader, IngestDmarcReport, MessageUnreadable } from "@poststack/application"
import type { DomainId, ParsedAttachment, ParsedMessage, TeamId } from "@poststack/domain"
import { Effect, Layer } from "effect"

const route = { kind: "bounce", teamId: 1 as TeamId, domainId: 1 as DomainId, domainName: "a.test" } as const

const message = (attachments: ReadonlyArray<ParsedAttachment>): ParsedMessage => ({
  from: null,
  fromAll: [],
  sender: null,
  senderAll: [],
  to: [],
  cc: [],
  subject: "Report Domain: a.test",
  messageId: null,
  inReplyTo: null,
  references: [],
  date: null,
  html: null,
  text: "report",
  headers: {},
  attachments
})

const gz = (i: number): ParsedAttachment => ({
  filename: `r${i}.xml.gz`,
  contentType: "application/gzip",
  contentId: null,
  content: new Uint8Array([0x1f, 0x8b, i])
})

describe("IngestDmarcReport", () => {
  it.effect("opens one report per message, however many report attachments it carries", () => {
    const opened: Array<string | null> = []
    const reader = Layer.succeed(
      DmarcReportReader,
      DmarcReportReader.of({
        read: (part) =>
          Effect.sync(() => opened.push(part.filename)).pipe(
            Effect.zipRight(Effect.fail(new MessageUnreadable({ message: "unreadable DMARC report: bomb" })))
          )
      })
    )
    return Effect.gen(function* () {
      const stored = yield* IngestDmarcReport(route, message(Array.from({ length: 200 }, (_, i) => gz(i))))
      expect(stored).toBe(0)
      expect(opened).toEqual(["r0.xml.gz"])
    }).pipe(Effect.provide(Layer.merge(reader, MemoryDmarcReportRepository.layer)))
  })
})
