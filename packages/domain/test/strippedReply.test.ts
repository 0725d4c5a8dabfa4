import { describe, expect, it } from "vitest"
import { inboundSpamVerdict } from "../src/mail/InboundSpam.js"
import { STRIP_LIMIT, strippedReply, withoutQuotes } from "../src/mail/StrippedReply.js"

const lines = (...all: ReadonlyArray<string>) => all.join("\n")

describe("strippedReply", () => {
  it("is null without a text body, and the text as it is when nothing is quoted", () => {
    expect(strippedReply(null)).toBeNull()
    const plain = "Hello,\r\n\r\nCould you send the invoice again?  \r\n\r\nThanks, Ann\r\n"
    expect(strippedReply(plain)).toBe(plain)
    expect(strippedReply("")).toBe("")
    // "wrote:" in the middle of a sentence, or a line ending in it with no quote after, is the reply's own text.
    const ownWords = lines("My colleague wrote:", "the report is late.", "", "Regards")
    expect(strippedReply(ownWords)).toBe(ownWords)
  })

  it("keeps a Gmail reply above its attribution and quote", () => {
    const gmail = lines(
      "Friday at 10 works for me.",
      "",
      "Ben",
      "",
      "On Mon, Dec 7, 2026 at 10:00 AM Ann Example <ann@x.test> wrote:",
      "",
      "> Hi Ben,",
      ">",
      "> Can we meet this week? Friday at 10?",
      ">",
      "> Ann",
      ""
    )
    expect(strippedReply(gmail)).toBe("Friday at 10 works for me.\n\nBen")
  })

  it("removes an attribution wrapped over two lines, wherever the client broke it", () => {
    const wrapped = lines(
      "Yes, ship it.",
      "",
      "On Mon, 7 Dec 2026 at 10:00, Ann Example <ann@x.test>",
      "wrote:",
      "> Shall we ship on Monday?"
    )
    expect(strippedReply(wrapped)).toBe("Yes, ship it.")
    const insideAddress = lines(
      "Yes, ship it.",
      "",
      "On Mon, Dec 7, 2026 at 10:00 AM Ann Example with a long name <",
      "ann@x.test> wrote:",
      "",
      "> Shall we ship on Monday?"
    )
    expect(strippedReply(insideAddress)).toBe("Yes, ship it.")
  })

  it("keeps an Apple Mail reply, with its phone signature gone", () => {
    const apple = lines(
      "Sounds good, see you there.",
      "",
      "Sent from my iPhone",
      "",
      "> On 7 Dec 2026, at 10:00, Ann <ann@x.test> wrote:",
      "> ",
      "> Lunch at noon?",
      ""
    )
    expect(strippedReply(apple)).toBe("Sounds good, see you there.")
    const mac = lines(
      "Thanks, got it.",
      "",
      "> On 7 Dec 2026, at 10:00, Ann <ann@x.test> wrote:",
      ">",
      "> Here are the slides."
    )
    expect(strippedReply(mac)).toBe("Thanks, got it.")
    const unquoted = lines(
      "Thanks, got it.",
      "",
      "On 7 Dec 2026, at 10:00, Ann <ann@x.test> wrote:",
      "",
      "> Here are the slides."
    )
    expect(strippedReply(unquoted)).toBe("Thanks, got it.")
  })

  it("cuts Outlook's -----Original Message----- and everything below it", () => {
    const outlook = lines(
      "Please find the signed contract attached.",
      "",
      "Kind regards,",
      "Carl",
      "",
      "-----Original Message-----",
      "From: Ann Example <ann@x.test>",
      "Sent: Monday, December 7, 2026 10:00 AM",
      "To: Carl <carl@y.test>",
      "Subject: Contract",
      "",
      "Hi Carl, could you sign the contract?"
    )
    expect(strippedReply(outlook)).toBe("Please find the signed contract attached.\n\nKind regards,\nCarl")
    expect(strippedReply(lines("Signed.", "----- Original Message -----", "From: ann@x.test"))).toBe(
      "Signed."
    )
  })

  it("cuts Outlook's From/Sent/To/Subject block, with the rule drawn above it", () => {
    const outlook = lines(
      "Approved.",
      "",
      "________________________________",
      "From: Ann Example <ann@x.test>",
      "Sent: Monday, December 7, 2026 10:00",
      "To: Carl <carl@y.test>",
      "Subject: Budget",
      "",
      "Can you approve the budget?",
      "> not even read: all of this is old"
    )
    expect(strippedReply(outlook)).toBe("Approved.")
    const web = lines(
      "Approved, with bold headers.",
      "",
      "*From:* Ann Example <ann@x.test>",
      "*Sent:* Monday, December 7, 2026 10:00",
      "*To:* Carl <carl@y.test>",
      "*Subject:* Budget",
      "",
      "Can you approve the budget?"
    )
    expect(strippedReply(web)).toBe("Approved, with bold headers.")
    const mac = lines(
      "Done.",
      "",
      "From: Ann Example <ann@x.test>",
      "Date: Monday, 7 December 2026 at 10:00",
      "To: Carl <carl@y.test>",
      "Subject: Budget",
      "",
      "Can you approve the budget?"
    )
    expect(strippedReply(mac)).toBe("Done.")
    // A "From:" line of the reply's own, without the rest of a header block, stays.
    const own = lines("From: the team, thanks for everything.", "", "Ann")
    expect(strippedReply(own)).toBe(own)
  })

  it("removes a trailing signature after the last -- line", () => {
    const signed = lines(
      "The server is back up.",
      "",
      "-- ",
      "Dan Ops",
      "Acme Inc. | +1 555 0100",
      "",
      "On Mon, 7 Dec 2026 at 10:00, Ann <ann@x.test> wrote:",
      "> Is the server down?"
    )
    expect(strippedReply(signed)).toBe("The server is back up.")
    expect(strippedReply(lines("No quote here.", "--", "Dan"))).toBe("No quote here.")
    // Only a line that is the delimiter: "---" or "-- text" are words.
    const dashes = lines("Before", "---", "After -- still the reply")
    expect(strippedReply(dashes)).toBe(dashes)
  })

  it("keeps answers written between quoted lines", () => {
    const inline = lines(
      "On Mon, 7 Dec 2026 at 10:00, Ann <ann@x.test> wrote:",
      "> Can you come on Friday?",
      "",
      "Yes.",
      "",
      "> And bring the slides?",
      ">> (from last week)",
      "",
      "They are attached.",
      ""
    )
    expect(strippedReply(inline)).toBe("Yes.\n\nThey are attached.")
  })

  it("reads other languages' attributions", () => {
    const german = lines(
      "Danke, passt.",
      "",
      "Am Mo., 7. Dez. 2026 um 10:00 Uhr schrieb Ann Example <ann@x.test>:",
      "> Passt Freitag?"
    )
    expect(strippedReply(german)).toBe("Danke, passt.")
    const french = lines(
      "Merci, c'est noté.",
      "",
      "Le lun. 7 déc. 2026 à 10:00, Ann Example <ann@x.test> a écrit :",
      "> Vendredi ?"
    )
    expect(strippedReply(french)).toBe("Merci, c'est noté.")
    const spanish = lines(
      "Perfecto.",
      "",
      "El lun, 7 dic 2026 a las 10:00, Ann Example (<ann@x.test>) escribió:",
      "> ¿El viernes?"
    )
    expect(strippedReply(spanish)).toBe("Perfecto.")
  })

  it("keeps CRLF line breaks, and is empty for a reply that only quotes", () => {
    const crlf = "Fine by me.\r\n\r\nOn Mon, 7 Dec 2026 at 10:00, Ann <ann@x.test> wrote:\r\n> Friday?\r\n"
    expect(strippedReply(crlf)).toBe("Fine by me.")
    const two = "One.\r\nTwo.\r\n> quoted\r\n"
    expect(strippedReply(two)).toBe("One.\r\nTwo.")
    expect(strippedReply(lines("> only", "> a quote"))).toBe("")
  })

  it("takes one pass: a large body of quotes and attributions is stripped in well under a second", () => {
    // The pass itself, past the bound `strippedReply` puts on what it reads.
    const block = lines(
      "Reply line",
      "On Mon, 7 Dec 2026 at 10:00, Ann <ann@x.test> wrote:",
      "",
      "> quoted",
      "From: not a header block"
    )
    const big = Array.from({ length: 40_000 }, () => block).join("\n")
    const started = performance.now()
    const result = withoutQuotes(big)
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(result?.split("\n").filter((l) => l === "Reply line")).toHaveLength(40_000)
    expect(result).not.toContain("wrote:")
  })

  it("reads a long blank line once, however many quotes follow it", () => {
    // A megabyte of spaces kept as a blank line, then thirty thousand quotes each followed by a
    // blank line: each of those blank lines asks whether the last kept line is blank.
    const big = `Reply line\n${" ".repeat(1_000_000)}\n${"> q\n\n".repeat(30_000)}`
    const started = performance.now()
    const result = withoutQuotes(big)
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(result).toBe("Reply line")
  })

  it("gives a body longer than the bound whole, at once: a sender cannot make every read of it slow", () => {
    const reply = lines("Yes.", "", "On Mon, 7 Dec 2026 at 10:00, Ann <ann@x.test> wrote:", "> Friday?")
    expect(strippedReply(reply)).toBe("Yes.")
    const huge = `${reply}\n${"\n".repeat(10 * 1024 * 1024)}`
    const started = performance.now()
    expect(strippedReply(huge)).toBe(huge)
    expect(performance.now() - started).toBeLessThan(50)
    // Just under the bound it is still stripped.
    const under = `${reply}${" ".repeat(STRIP_LIMIT - reply.length)}`
    expect(strippedReply(under)).toBe("Yes.")
  })
})

describe("inboundSpamVerdict", () => {
  it("calls spam whatever the filter would mark or refuse, and clean what it would let in", () => {
    expect(inboundSpamVerdict("no_action")).toBe("clean")
    expect(inboundSpamVerdict("greylist")).toBe("clean")
    expect(inboundSpamVerdict("add_header")).toBe("spam")
    expect(inboundSpamVerdict("rewrite_subject")).toBe("spam")
    expect(inboundSpamVerdict("soft_reject")).toBe("spam")
    expect(inboundSpamVerdict("reject")).toBe("spam")
  })
})
