import { MailparserMailParser, SimpleMessageReader } from "@poststack/adapters-smtp"
import { Effect } from "effect"
import MailComposer from "nodemailer/lib/mail-composer"
import type Mail from "nodemailer/lib/mailer"
import { describe, expect, it } from "vitest"

/** A message as nodemailer's SMTP transport puts it on the wire (every line ending CRLF). */
const compose = (options: Mail.Options) =>
  new Promise<Uint8Array>((resolve, reject) =>
    new MailComposer({ ...options, newline: "windows" })
      .compile()
      .build((error, message) => (error ? reject(error) : resolve(new Uint8Array(message))))
  )

const crlf = (lines: ReadonlyArray<string>) => new TextEncoder().encode(lines.join("\r\n"))

const viaMailparser = (raw: Uint8Array) => Effect.runPromise(MailparserMailParser.parseWithMailparser(raw))

const base = {
  from: "Bench <bench@bench.test>",
  to: "r1@receiver.test",
  subject: "Relay 1",
  messageId: "<m1@bench.test>",
  date: new Date("2026-01-02T03:04:05Z")
}

/** Messages of the simple shape, as applications send them: the reader must take every one. */
const simple: ReadonlyArray<[string, () => Promise<Uint8Array>]> = [
  ["plain text", () => compose({ ...base, text: "A message submitted over SMTP, as an application would." })],
  ["text and html", () => compose({ ...base, text: "Hello", html: "<p>Hello <b>there</b></p>" })],
  [
    "non-ASCII text (quoted-printable)",
    () => compose({ ...base, text: "Grüße aus Köln, ça va ? ".repeat(10), html: "<p>Grüße</p>" })
  ],
  ["mostly non-ASCII text (base64)", () => compose({ ...base, text: "日本語のメッセージです。".repeat(20) })],
  [
    "long lines",
    () => compose({ ...base, text: `${"word ".repeat(400)}\n\nend`, html: `<p>${"x".repeat(3000)}</p>` })
  ],
  [
    "several recipients, quoted names, sender and threading",
    () =>
      compose({
        ...base,
        from: '"Bench, Inc." <bench@bench.test>',
        sender: "relay@bench.test",
        to: ["a@receiver.test", '"Doe, Jane" <jane@receiver.test>', "Bob Smith <bob@receiver.test>"],
        cc: "carol@receiver.test",
        inReplyTo: "<parent@bench.test>",
        references: ["<root@bench.test>", "<parent@bench.test>"],
        text: "Re: it"
      })
  ],
  [
    "custom headers",
    () =>
      compose({
        ...base,
        headers: { "X-PostStack-Tags": "a,b", "X-Long": "y ".repeat(60) },
        text: "with headers"
      })
  ],
  ["empty body", () => compose({ ...base, text: "" })],
  [
    "written by hand, no Content-Type, folded header, no Date",
    async () =>
      crlf([
        "From: bench@bench.test",
        "To: r@receiver.test,",
        "\tother@receiver.test",
        "Subject: folded",
        "  subject",
        "Message-ID: bare@bench.test",
        "",
        "line one",
        "line two",
        ""
      ])
  ],
  [
    "written by hand, odd but simple headers",
    async () =>
      crlf([
        "from: J. Smith <j@bench.test>",
        "To: <a@receiver.test>, , b@receiver.test,",
        "Cc:",
        "Subject:   ",
        "References: <only@bench.test>",
        "In-Reply-To: only@bench.test",
        "Date: Tue, 1 Apr 2025 10:00:00 -0700",
        "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII",
        "Content-Transfer-Encoding: 7BIT",
        "",
        "body",
        ""
      ])
  ],
  [
    "quoted names that look like addresses or lists",
    async () =>
      crlf([
        'From: "ceo@bank.test" <ok@relay.test>',
        'To: "x, y" <z@receiver.test>,w@receiver.test',
        'Sender: "a <b@c.test>" <s@relay.test>',
        "",
        "x",
        ""
      ])
  ],
  [
    "multipart with a preamble and an epilogue",
    async () =>
      crlf([
        "From: bench@bench.test",
        "To: r@receiver.test",
        "Subject: parts",
        "MIME-Version: 1.0",
        'Content-Type: multipart/alternative; boundary="b1"',
        "",
        "This is a multi-part message.",
        "--b1",
        "Content-Type: text/html; charset=us-ascii",
        "",
        "<p>html first</p>",
        "--b1",
        "Content-Type: text/plain",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "soft=",
        " break =3D done",
        "",
        "--b1--",
        "epilogue",
        ""
      ])
  ]
]

/** Shapes the reader leaves to mailparser (every one must still parse there). */
const other: ReadonlyArray<[string, () => Promise<Uint8Array>]> = [
  ["html only (mailparser writes a text version)", () => compose({ ...base, html: "<p>only html</p>" })],
  [
    "attachment",
    () => compose({ ...base, text: "see file", attachments: [{ filename: "a.txt", content: "file" }] })
  ],
  ["encoded subject", () => compose({ ...base, subject: "Grüße", text: "x" })],
  ["encoded display name", () => compose({ ...base, from: "Jürgen <j@bench.test>", text: "x" })],
  ["punycode domain", () => compose({ ...base, to: "a@xn--bcher-kva.example", text: "x" })],
  [
    "latin-1 charset",
    async () =>
      crlf(["From: a@bench.test", "Content-Type: text/plain; charset=iso-8859-1", "", "caf\u00e9", ""])
  ],
  [
    "format=flowed",
    async () => crlf(["From: a@bench.test", "Content-Type: text/plain; format=flowed", "", "x", ""])
  ],
  ["a group", async () => crlf(["From: a@bench.test", "To: friends: b@x.test, c@x.test;", "", "x", ""])],
  ["a comment in an address", async () => crlf(["From: a@bench.test (me)", "", "x", ""])],
  [
    "a message over 1 MiB (read without yielding otherwise)",
    () => compose({ ...base, text: "x ".repeat(SimpleMessageReader.MAX_BYTES / 2 + 1) })
  ],
  [
    "an unquoted name holding an address",
    async () => crlf(["From: a@evil.test <b@bench.test>", "", "x", ""])
  ],
  ["two From headers", async () => crlf(["From: a@bench.test", "From: b@bench.test", "", "x", ""])],
  ["bare LF", async () => new TextEncoder().encode("From: a@bench.test\r\n\r\nx\ny\r\n")],
  ["unparsable Date", async () => crlf(["From: a@bench.test", "Date: someday", "", "x", ""])],
  [
    "delimiter with trailing blanks",
    async () =>
      crlf([
        "From: a@bench.test",
        'Content-Type: multipart/alternative; boundary="b"',
        "",
        "--b ",
        "Content-Type: text/plain",
        "",
        "x",
        "--b--",
        ""
      ])
  ]
]

describe("SimpleMessageReader", () => {
  it.each(simple)("reads %s exactly as mailparser does", async (_name, make) => {
    const raw = await make()
    const fast = SimpleMessageReader.readSimpleMessage(raw)
    expect(fast).toBeDefined()
    expect(fast).toEqual(await viaMailparser(raw))
  })

  it.each(other)("leaves %s to mailparser", async (_name, make) => {
    const raw = await make()
    expect(SimpleMessageReader.readSimpleMessage(raw)).toBeUndefined()
    // The adapter still answers for it, through mailparser (which dates an unreadable Date now).
    const parsed = await Effect.runPromise(MailparserMailParser.make.parse(raw))
    const reference = await viaMailparser(raw)
    expect({ ...parsed, date: null }).toEqual({ ...reference, date: null })
  })
})
