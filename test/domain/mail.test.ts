import {
  classifyStatus,
  decodeEncodedWords,
  dmarcAggregateFrom,
  hasBareLineBreak,
  isComplaint,
  mailboxHash,
  parseDeliveryStatus,
  parseFeedbackReport,
  parseVerp,
  readHead,
  readHeaders,
  replySubject,
  rewriteHeaders,
  structuralProblem,
  submissionOptions,
  textParts
} from "@poststack/domain"
import { describe, expect, it } from "vitest"

const bytes = (s: string) => new TextEncoder().encode(s)
const text = (b: Uint8Array) => new TextDecoder().decode(b)

describe("raw messages", () => {
  it("finds bare CR and bare LF, and accepts CRLF only", () => {
    expect(hasBareLineBreak(bytes("a\r\nb\r\n"))).toBe(false)
    expect(hasBareLineBreak(bytes("a\nb\r\n"))).toBe(true)
    expect(hasBareLineBreak(bytes("a\r\n.\rb\r\n"))).toBe(true)
    expect(hasBareLineBreak(bytes("a\r\n\r.\r\n"))).toBe(true)
    expect(hasBareLineBreak(bytes("ends with CR\r"))).toBe(true)
    expect(hasBareLineBreak(bytes("\nstarts with LF\r\n"))).toBe(true)
    expect(hasBareLineBreak(bytes("a\r\r\nb\r\n"))).toBe(true)
    expect(hasBareLineBreak(bytes("a\r\n\nb\r\n"))).toBe(true)
    expect(hasBareLineBreak(bytes("no line break at all"))).toBe(false)
  })

  it("reads folded headers and rewrites the header block, keeping the body byte for byte", () => {
    const raw = bytes(
      "X-PostStack-Tags: a,\r\n b\r\nBcc: x@y.test\r\nSubject: Hi\r\n\r\nbody\r\nX-PostStack-Tags: in body\r\n"
    )
    expect(readHeaders(raw)).toEqual([
      { name: "X-PostStack-Tags", value: "a, b" },
      { name: "Bcc", value: "x@y.test" },
      { name: "Subject", value: "Hi" }
    ])
    const out = rewriteHeaders(raw, (n) => n.startsWith("x-poststack-") || n === "bcc", [
      "Message-ID: <1@a.test>"
    ])
    expect(text(out)).toBe(
      "Message-ID: <1@a.test>\r\nSubject: Hi\r\n\r\nbody\r\nX-PostStack-Tags: in body\r\n"
    )
    // The header block read once (as the relay does) rewrites to the same bytes.
    const head = readHead(raw)
    expect(head.headers).toEqual(readHeaders(raw))
    const again = rewriteHeaders(
      raw,
      (n) => n.startsWith("x-poststack-") || n === "bcc",
      ["Message-ID: <1@a.test>"],
      head
    )
    expect(text(again)).toBe(text(out))
  })

  it("finds the end of the header block only at an empty line", () => {
    const noBody = bytes("Subject: Hi\r\nFrom: a@b.test\r\n")
    expect(readHead(noBody).end).toBe(-1)
    expect(text(rewriteHeaders(noBody, () => false))).toBe("Subject: Hi\r\nFrom: a@b.test\r\n\r\n")
    expect(readHead(bytes("Subject: Hi\r\n\r\n\r\nbody")).end).toBe(13)
  })
})

describe("submission control headers", () => {
  it("reads tags, idempotency key and variables, including encoded words", () => {
    expect(
      submissionOptions([
        { name: "X-Poststack-Tags", value: "welcome, smtp ,," },
        { name: "X-PostStack-Idempotency-Key", value: "k1" },
        { name: "X-Poststack-Variables", value: "=?UTF-8?Q?=7B=22a=22=3A=221=22=7D?=" }
      ])
    ).toEqual({ idempotencyKey: "k1", tags: ["welcome", "smtp"], templateId: null, variables: { a: "1" } })
    expect(submissionOptions([{ name: "X-PostStack-Variables", value: "[1]" }])).toMatch(/JSON object/)
    expect(submissionOptions([{ name: "X-PostStack-Idempotency-Key", value: "" }])).toMatch(/1 to 256/)
  })

  it("decodes Q and B encoded words", () => {
    expect(decodeEncodedWords("=?UTF-8?B?Y2Fmw6k=?= ok")).toBe("café ok")
    expect(decodeEncodedWords("=?iso-8859-1?Q?caf=E9_au_lait?=")).toBe("café au lait")
    expect(decodeEncodedWords("=?no-such?Q?x?=")).toBe("=?no-such?Q?x?=")
  })
})

describe("bounce and complaint reports", () => {
  it("parses VERP return paths", () => {
    expect(parseVerp("b42.0123456789ab")).toEqual({ deliveryId: 42, digest: "0123456789ab" })
    expect(parseVerp("b42.0123456789a")).toBeUndefined()
    expect(parseVerp("postmaster")).toBeUndefined()
  })

  it("classifies DSN status codes: 5.x.x hard, 4.x.x soft, 2.x.x none", () => {
    expect(classifyStatus("5.1.1")).toBe("hard")
    expect(classifyStatus("4.2.2")).toBe("soft")
    expect(classifyStatus("2.0.0")).toBeNull()
    expect(classifyStatus("9.9.9")).toBeNull()
  })

  it("reads the per-recipient groups of a delivery-status part", () => {
    const dsn = [
      "Reporting-MTA: dns; mx.test",
      "",
      "Final-Recipient: rfc822; a@x.test",
      "Action: failed",
      "Status: 5.1.1 (user unknown)",
      "Diagnostic-Code: smtp; 550 5.1.1",
      "  no such user",
      "",
      "Final-Recipient: rfc822;<b@x.test>",
      "Action: delayed",
      "Status: 4.4.7",
      ""
    ].join("\r\n")
    expect(parseDeliveryStatus(dsn)).toEqual([
      {
        recipient: "a@x.test",
        action: "failed",
        status: "5.1.1",
        kind: "hard",
        diagnostic: "smtp; 550 5.1.1 no such user"
      },
      { recipient: "b@x.test", action: "delayed", status: "4.4.7", kind: "soft", diagnostic: null }
    ])
  })

  it("reads ARF reports and says which are complaints", () => {
    const report = parseFeedbackReport(
      "Feedback-Type: abuse\r\nUser-Agent: FBL/1\r\nOriginal-Rcpt-To: <a@x.test>\r\n"
    )
    expect(report).toMatchObject({ feedbackType: "abuse", originalRcptTo: "a@x.test" })
    expect(report !== undefined && isComplaint(report)).toBe(true)
    const virus = parseFeedbackReport("Feedback-Type: virus\r\n")
    expect(virus !== undefined && isComplaint(virus)).toBe(false)
    expect(parseFeedbackReport("Subject: no\r\n")).toBeUndefined()
  })

  it("separates report parts from the text body", () => {
    const raw = bytes(
      [
        'Content-Type: multipart/report; boundary="x"',
        "",
        "--x",
        "Content-Type: text/plain",
        "",
        "hello",
        "--x",
        "Content-Type: message/delivery-status",
        "Content-Transfer-Encoding: base64",
        "",
        Buffer.from("Status: 5.1.1\r\n").toString("base64"),
        "--x--",
        ""
      ].join("\r\n")
    )
    const parts = textParts(raw)
    expect(parts.map((p) => p.contentType)).toEqual(["text/plain", "message/delivery-status"])
    expect(parts[1]?.text).toBe("Status: 5.1.1\r\n")
  })
})

describe("inbound rules", () => {
  it("refuses abusive structure", () => {
    expect(structuralProblem(bytes(`X: ${"a".repeat(300_000)}\r\n\r\nb`))).toMatch(/header/)
    expect(structuralProblem(bytes("Content-Type: multipart/mixed\r\n".repeat(40)))).toMatch(/nested/)
    expect(structuralProblem(bytes("Subject: fine\r\n\r\nbody"))).toBeUndefined()
  })

  const flat = (count: number, boundaryParameter: string, boundary: string, part = "") =>
    bytes(
      `Subject: parts\r\nContent-Type: multipart/mixed; ${boundaryParameter}\r\n\r\n` +
        `--${boundary}\r\n${part}\r\nx\r\n`.repeat(count) +
        `--${boundary}--\r\n`
    )
  const nested = (depth: number, field: string) => {
    let inner = "Content-Type: text/plain\r\n\r\nleaf"
    for (let i = 0; i < depth; i++)
      inner = `${field} multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${inner}\r\n--b${i}--\r\n`
    return bytes(`Subject: deep\r\n${inner}`)
  }

  it("counts parts by their delimiter lines, with or without a Content-Type", () => {
    const attachment = "Content-Disposition: attachment; filename=f.txt\r\n"
    expect(structuralProblem(flat(200, "boundary=Z", "Z", attachment))).toBeUndefined()
    expect(structuralProblem(flat(201, "boundary=Z", "Z", attachment))).toMatch(/MIME parts/)
    expect(structuralProblem(flat(999, "boundary=Z", "Z", attachment))).toMatch(/MIME parts/)
    // However the boundary is written, and with padding after the delimiter.
    expect(structuralProblem(flat(201, 'BOUNDARY = "a b\\"c"', 'a b"c'))).toMatch(/MIME parts/)
    expect(structuralProblem(flat(201, 'boundary=q"uot"ed (comment)', "quoted"))).toMatch(/MIME parts/)
    expect(structuralProblem(flat(201, "boundary*0=ab; boundary*1=cd", "abcd  \t"))).toMatch(/MIME parts/)
    expect(structuralProblem(flat(201, "boundary*=us-ascii''x%41", "xA"))).toMatch(/MIME parts/)
    // Dashes that delimit nothing are text: a signature, rules, a forwarded header.
    const prose = `Subject: hi\r\n\r\n${"-- \r\n----------\r\n--Original--\r\n".repeat(300)}`
    expect(structuralProblem(bytes(prose))).toBeUndefined()
  })

  it("counts nested multipart levels however the Content-Type field is spelt", () => {
    expect(structuralProblem(nested(30, "Content-Type:"))).toBeUndefined()
    expect(structuralProblem(nested(40, "Content-Type:"))).toMatch(/nested/)
    expect(structuralProblem(nested(40, "Content-Type :"))).toMatch(/nested/)
    expect(structuralProblem(nested(40, "content-type\t:"))).toMatch(/nested/)
    expect(structuralProblem(nested(40, "Content-Type\r\n :"))).toMatch(/nested/)
    expect(structuralProblem(nested(40, 'Content-Type: "multipart/mixed";'))).toMatch(/nested/)
    // A comment ahead of the type hides it from the field's pattern, not its boundary.
    expect(structuralProblem(nested(40, "Content-Type: (x)"))).toMatch(/nested/)
  })

  it("reads any message in time linear in its size, whatever it repeats", () => {
    const head = "From: a@b.test\r\nTo: c@d.test\r\nSubject: x\r\n\r\n"
    // Each of these held the event loop for 30 to 40 s with patterns that could match a run of
    // text two ways, or read a parameter to the end of the message once per mention.
    const hostile = [
      `${head}boundary${" ".repeat(200_000)}x\r\n`,
      head + "content-type:(".repeat(50_000),
      head + `boundary=${'"'.repeat(2000)}`.repeat(2000),
      head + "boundary*1=".repeat(200_000)
    ]
    for (const text of hostile) {
      const started = performance.now()
      structuralProblem(bytes(text))
      expect(performance.now() - started, text.slice(head.length, head.length + 20)).toBeLessThan(1000)
    }
  })

  it("takes the plus-address tag and builds reply subjects", () => {
    expect(mailboxHash("support+invoice-42@x.test")).toBe("invoice-42")
    expect(mailboxHash("support@x.test")).toBeNull()
    expect(replySubject("Re: RE: Hello")).toBe("Re: Hello")
    expect(replySubject(null)).toBe("Re: (no subject)")
  })
})

describe("DMARC aggregate reports", () => {
  it("maps a report tree to rows, alignment from policy_evaluated", () => {
    const report = dmarcAggregateFrom({
      feedback: {
        report_metadata: { org_name: "isp", report_id: "1", date_range: { begin: "0", end: "86400" } },
        policy_published: { domain: "Example.test", p: "none" },
        record: [
          {
            row: {
              source_ip: "192.0.2.1",
              count: "3",
              policy_evaluated: { disposition: "none", dkim: "pass", spf: "fail" }
            },
            identifiers: { header_from: "example.test" }
          }
        ]
      }
    })
    expect(report).toMatchObject({
      orgName: "isp",
      reportId: "1",
      policyDomain: "example.test",
      dateRangeEnd: new Date(86_400_000),
      rows: [
        { sourceIp: "192.0.2.1", count: 3, dkimAligned: true, spfAligned: false, headerFrom: "example.test" }
      ]
    })
    expect(dmarcAggregateFrom({ html: {} })).toMatch(/no <feedback>/)
    expect(
      dmarcAggregateFrom({
        feedback: {
          report_metadata: { org_name: "isp", report_id: "1" },
          policy_published: { domain: "x.test" },
          record: [{ row: { source_ip: "1.2.3.4", count: "-1" } }]
        }
      })
    ).toMatch(/count/)
  })
})
