import { connect } from "node:net"
import { SmtpInboundServer, SmtpTls } from "@poststack/adapters-smtp"
import { type Duration, Effect } from "effect"
import nodemailer from "nodemailer"
import { freePort } from "./net.js"

/**
 * Our MX as a door for `startTestServer`: a free loopback port and a self-signed
 * certificate for mx.poststack.test, so remote MTAs can STARTTLS.
 */
export const inboundMxDoor = async (
  maxMessageBytes = 512 * 1024,
  receiveTimeout?: Duration.DurationInput,
  /** How long the MX waits for the spam filter, in milliseconds; the door's default otherwise. */
  spamTimeoutMs?: number
) => {
  const port = await freePort()
  const tls = await Effect.runPromise(SmtpTls.selfSigned("mx.poststack.test"))
  return {
    port,
    layer: SmtpInboundServer.layer({
      host: "127.0.0.1",
      port,
      tls,
      name: "mx.poststack.test",
      maxMessageBytes,
      ...(receiveTimeout === undefined ? {} : { receiveTimeout }),
      ...(spamTimeoutMs === undefined ? {} : { spamTimeout: spamTimeoutMs })
    })
  }
}

/** Hands a raw message to our MX as a remote MTA would: plain SMTP, STARTTLS when offered, no AUTH. */
export const deliverRaw = (port: number, from: string, to: ReadonlyArray<string>, raw: string | Buffer) => {
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port,
    secure: false,
    name: "mta.sender.test",
    tls: { rejectUnauthorized: false }
  })
  return transport.sendMail({ envelope: { from, to: [...to] }, raw }).finally(() => transport.close())
}

/** Sends SMTP lines one by one and returns every reply, for checks at RCPT without a client library. */
export const rcptReplies = (port: number, from: string, to: ReadonlyArray<string>) =>
  new Promise<string>((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port })
    const lines = ["EHLO mta.sender.test", `MAIL FROM:<${from}>`, ...to.map((t) => `RCPT TO:<${t}>`), "QUIT"]
    let received = ""
    let sent = 0
    socket.on("data", (d: Buffer) => {
      received += d.toString()
      const replies = received.match(/^\d{3} /gm)?.length ?? 0
      if (replies > sent && sent < lines.length) socket.write(`${lines[sent++]}\r\n`)
    })
    socket.on("close", () => resolve(received))
    socket.on("error", reject)
  })

/** An RFC 3464 delivery status notification for `recipient`, as a receiving MTA would send it. */
export const dsn = (returnPath: string, recipient: string, status: string, diagnostic: string) =>
  [
    "From: Mail Delivery System <MAILER-DAEMON@mx.receiver.test>",
    `To: ${returnPath}`,
    "Subject: Undelivered Mail Returned to Sender",
    "MIME-Version: 1.0",
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
    "",
    "--b1",
    "Content-Type: text/plain",
    "",
    "Your message could not be delivered.",
    "",
    "--b1",
    "Content-Type: message/delivery-status",
    "",
    "Reporting-MTA: dns; mx.receiver.test",
    "",
    `Final-Recipient: rfc822; ${recipient}`,
    `Action: ${status.startsWith("5") ? "failed" : "delayed"}`,
    `Status: ${status}`,
    `Diagnostic-Code: smtp; ${diagnostic}`,
    "",
    "--b1",
    "Content-Type: text/rfc822-headers",
    "",
    "Subject: Your order",
    "",
    "--b1--",
    ""
  ].join("\r\n")

/** An RFC 5965 abuse report about the message with `messageId`. */
export const arf = (to: string, recipient: string, messageId: string) =>
  [
    "From: fbl@isp.test",
    `To: ${to}`,
    "Subject: Abuse report",
    "MIME-Version: 1.0",
    'Content-Type: multipart/report; report-type=feedback-report; boundary="b2"',
    "",
    "--b2",
    "Content-Type: text/plain",
    "",
    "This is an email abuse report.",
    "",
    "--b2",
    "Content-Type: message/feedback-report",
    "",
    "Feedback-Type: abuse",
    "User-Agent: ISP-FBL/1.0",
    "Version: 1",
    `Original-Rcpt-To: ${recipient}`,
    "",
    "--b2",
    "Content-Type: text/rfc822-headers",
    "",
    `Message-ID: ${messageId}`,
    "Subject: Your order",
    "",
    "--b2--",
    ""
  ].join("\r\n")
