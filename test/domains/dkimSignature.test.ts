import { createPrivateKey, generateKeyPairSync } from "node:crypto"
import { DkimSignature } from "@poststack/adapters-smtp"
import { dkimVerify } from "mailauth"
import { describe, expect, it } from "vitest"

// One key for the file: generating RSA keys is slow.
const pair = generateKeyPairSync("rsa", { modulusLength: 2048 })
const key = {
  domainName: "sign.test",
  selector: "s1",
  privateKey: createPrivateKey(pair.privateKey.export({ type: "pkcs8", format: "pem" }))
}
const publicKey = pair.publicKey.export({ type: "spki", format: "der" }).toString("base64")

/** mailauth, an independent verifier, with the selector's record served from memory. */
const verify = async (signed: Buffer) => {
  const result = await dkimVerify(signed, {
    resolver: async (name: string, type: string) => {
      if (name === "s1._domainkey.sign.test" && type === "TXT") return [[`v=DKIM1; k=rsa; p=${publicKey}`]]
      throw Object.assign(new Error("no such record"), { code: "ENOTFOUND" })
    }
  })
  return result.results[0]
}

const message = (header: string, body: string) => Buffer.from(`${header}\r\n\r\n${body}`, "latin1")

describe("DKIM signatures (relaxed/relaxed, rsa-sha256)", () => {
  it.each([
    [
      "folded headers, runs of whitespace, trailing blank lines",
      message(
        "From: Shop <a@sign.test>\r\nTo: b@receiver.test\r\nSubject:   A  long\r\n\tfolded   subject  \r\nMessage-ID: <1@sign.test>",
        "Hello   there  \r\n\r\n\tline\t two\r\n\r\n\r\n"
      )
    ],
    ["an empty body", message("From: a@sign.test\r\nTo: b@receiver.test\r\nSubject: empty", "")],
    ["a body without a final line break", message("From: a@sign.test\r\nSubject: x", "no break at the end")],
    [
      "8-bit content and a field given twice (the last one is signed)",
      Buffer.concat([
        Buffer.from(
          "From: a@sign.test\r\nSubject: first\r\nSubject: second\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        ),
        Buffer.from("Grüße — ünïcödé\r\n", "utf8")
      ])
    ],
    [
      "bare LF line endings",
      Buffer.from("From: a@sign.test\nTo: b@receiver.test\nSubject: unix\n\nline one\nline two\n")
    ],
    [
      "one-click unsubscribe fields",
      message(
        "From: a@sign.test\r\nTo: b@receiver.test\r\nSubject: news\r\nList-Unsubscribe: <https://u.test/x>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click",
        "Read on.\r\n"
      )
    ]
  ])("verifies with %s", async (_, raw) => {
    const signed = await DkimSignature.dkimSign(raw, key)
    const result = await verify(signed)
    expect(result?.status.result).toBe("pass")
    expect(result?.signingDomain).toBe("sign.test")
  })

  it("signs the fields that matter, and fails verification once the body or a signed field changes", async () => {
    const raw = message(
      "From: a@sign.test\r\nTo: b@receiver.test\r\nSubject: hi\r\nList-Unsubscribe: <https://u.test/x>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\nX-Other: not signed",
      "Body\r\n"
    )
    const signed = (await DkimSignature.dkimSign(raw, key)).toString("latin1")
    const h = /\bh=([^;]+);/.exec(signed.replace(/\r\n[ \t]/g, " "))?.[1]?.replace(/\s/g, "")
    expect(h?.split(":")).toEqual(["from", "subject", "to", "list-unsubscribe", "list-unsubscribe-post"])
    // A changed body no longer matches the body hash (mailauth calls that neutral), a changed field fails.
    expect((await verify(Buffer.from(signed.replace("Body", "B0dy"), "latin1")))?.status.result).toBe(
      "neutral"
    )
    expect(
      (await verify(Buffer.from(signed.replace("Subject: hi", "Subject: ho"), "latin1")))?.status.result
    ).toBe("fail")
    // A field outside the list may change in transit.
    expect(
      (await verify(Buffer.from(signed.replace("not signed", "changed"), "latin1")))?.status.result
    ).toBe("pass")
  })

  it("canonicalizes a body as RFC 6376 section 3.4.4 says", () => {
    expect(DkimSignature.relaxedBody("")).toBe("")
    expect(DkimSignature.relaxedBody("\r\n\r\n")).toBe("")
    expect(DkimSignature.relaxedBody(" C \r\nD \t E\r\n\r\n\r\n")).toBe(" C\r\nD E\r\n")
    expect(DkimSignature.relaxedBody("no break")).toBe("no break\r\n")
  })
})
