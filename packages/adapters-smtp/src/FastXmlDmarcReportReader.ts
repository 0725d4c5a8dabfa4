import { Worker } from "node:worker_threads"
import { DmarcReportReader, MessageUnreadable } from "@poststack/application"
import { Duration, Effect, Layer } from "effect"

/**
 * A report this large once unpacked is refused: compression must not turn a small mail into a
 * large allocation. The largest report the domain keeps (10,000 records) is about 5 MB of XML.
 */
export const MAX_XML_BYTES = 8 * 1024 * 1024

/**
 * A report with more tags than this is refused before it is parsed: the parser's time follows the
 * tags, and 10,000 records of some 40 tags each are the most the domain keeps.
 */
export const MAX_TAGS = 500_000

/** A report not opened by then is given up on and its thread stopped. */
const READ_TIMEOUT = Duration.seconds(10)

/** Caps what the worker thread's heap may grow to: one report at a time, well within this. */
const WORKER_HEAP_MB = 512

const unreadable = (message: string) =>
  new MessageUnreadable({ message: `unreadable DMARC report: ${message}` })

type Answer = { readonly tree: unknown } | { readonly error: string }

/** Unpacks and parses one attachment in a thread of its own, stopped when the read is interrupted. */
const openInWorker = (content: Uint8Array, filename: string | null, contentType: string) =>
  Effect.async<unknown, MessageUnreadable>((resume) => {
    const worker = new Worker(new URL("./dmarcReportWorker.cjs", import.meta.url), {
      workerData: { content, filename, contentType, maxXmlBytes: MAX_XML_BYTES, maxTags: MAX_TAGS },
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB }
    })
    // The first of the answer, an error (a heap past its limit) or the thread's exit settles the read.
    let settled = false
    const settle = (result: Effect.Effect<unknown, MessageUnreadable>) => {
      if (settled) return
      settled = true
      resume(result)
      void worker.terminate()
    }
    worker.once("message", (answer: Answer) =>
      settle("tree" in answer ? Effect.succeed(answer.tree) : Effect.fail(unreadable(answer.error)))
    )
    worker.once("error", (error) => settle(Effect.fail(unreadable(error.message))))
    worker.once("exit", (code) => settle(Effect.fail(unreadable(`reader stopped (${code})`))))
    return Effect.promise(() => worker.terminate())
  })

/**
 * XML by fast-xml-parser, gzip and zip by node:zlib, all in a worker thread with bounded output,
 * tags, heap and time, one report at a time: a report built to be expensive costs that thread,
 * never the event loop that serves HTTP and SMTP.
 */
export const make = Effect.map(Effect.makeSemaphore(1), (oneAtATime) =>
  DmarcReportReader.of({
    read: (part) =>
      openInWorker(part.content, part.filename, part.contentType).pipe(
        Effect.timeoutFail({ duration: READ_TIMEOUT, onTimeout: () => unreadable("took too long") }),
        oneAtATime.withPermits(1)
      )
  })
)

export const layer = Layer.effect(DmarcReportReader, make)
