import { RspamdSpamChecker } from "@poststack/adapters-external"
import { describe, expect, it } from "vitest"

describe("reading rspamd's /checkv2 answer", () => {
  it("turns rspamd's action words into the SDK's and orders symbols strongest first", () => {
    const outcome = RspamdSpamChecker.readAnswer(
      JSON.stringify({
        is_skipped: false,
        score: 6.853,
        required_score: 15,
        action: "add header",
        symbols: {
          A: { name: "A", score: 0.5 },
          SUBJ_ALL_CAPS: {
            name: "SUBJ_ALL_CAPS",
            score: 2.85,
            description: "Subject contains mostly capital letters"
          },
          MIME_GOOD: { name: "MIME_GOOD", score: -0.1 }
        }
      })
    )
    expect(outcome).toEqual({
      _tag: "Scored",
      verdict: {
        score: 6.85,
        requiredScore: 15,
        action: "add_header",
        symbols: [
          { name: "SUBJ_ALL_CAPS", score: 2.85, description: "Subject contains mostly capital letters" },
          { name: "A", score: 0.5, description: null },
          { name: "MIME_GOOD", score: -0.1, description: null }
        ]
      }
    })
    for (const [word, action] of [
      ["no action", "no_action"],
      ["greylist", "greylist"],
      ["rewrite subject", "rewrite_subject"],
      ["soft reject", "soft_reject"],
      ["reject", "reject"]
    ])
      expect(RspamdSpamChecker.readAnswer(JSON.stringify({ score: 1, action: word }))).toMatchObject({
        verdict: { action }
      })
  })

  it("calls anything else unreachable rather than inventing a verdict", () => {
    expect(RspamdSpamChecker.readAnswer("not json")._tag).toBe("Unreachable")
    expect(RspamdSpamChecker.readAnswer(JSON.stringify({ score: 1, action: "discard" }))._tag).toBe(
      "Unreachable"
    )
    expect(
      RspamdSpamChecker.readAnswer(JSON.stringify({ is_skipped: true, score: 0, action: "no action" }))._tag
    ).toBe("Unreachable")
  })

  it("keeps a pre-filter's verdict, which rspamd answers as skipped with its action (GTUBE)", () => {
    const gtube = JSON.stringify({
      is_skipped: true,
      score: 15,
      required_score: 15,
      action: "reject",
      symbols: { GTUBE: { name: "GTUBE", score: 0, metric_score: 0 } },
      messages: { smtp_message: "Gtube pattern" }
    })
    expect(RspamdSpamChecker.readAnswer(gtube)).toMatchObject({
      _tag: "Scored",
      verdict: { score: 15, action: "reject", symbols: [{ name: "GTUBE", score: 0 }] }
    })
  })
})
