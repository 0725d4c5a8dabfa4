import { MessageComposer } from "@poststack/application"
import { Effect, Layer } from "effect"
import { compile } from "html-to-text"
import MailComposer from "nodemailer/lib/mail-composer"

// Compiled once: building the converter from its options costs more than converting a message.
const htmlToText = compile({ wordwrap: 78 })

/** MIME by nodemailer's composer; a text part derived from the HTML when the sender gave none. */
export const make = MessageComposer.of({
  compose: (content) =>
    Effect.async<Uint8Array>((resume) => {
      const text = content.text ?? (content.html === null ? null : htmlToText(content.html))
      const composer = new MailComposer({
        from:
          content.from.name === null
            ? content.from.address
            : { name: content.from.name, address: content.from.address },
        to: [...content.to],
        cc: [...content.cc],
        replyTo: [...content.replyTo],
        subject: content.subject,
        ...(content.html === null ? {} : { html: content.html }),
        ...(text === null ? {} : { text }),
        headers: { ...content.headers },
        messageId: content.messageId,
        date: content.date,
        attachments: content.attachments.map((a) => ({
          filename: a.filename,
          content: Buffer.from(a.content),
          ...(a.contentType === null ? {} : { contentType: a.contentType }),
          ...(a.contentId === null ? {} : { cid: a.contentId })
        }))
      })
      composer.compile().build((error, message) => {
        if (error !== null) return resume(Effect.die(error))
        resume(Effect.succeed(new Uint8Array(message)))
      })
    })
})

export const layer = Layer.succeed(MessageComposer, make)
