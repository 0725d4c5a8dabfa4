import { useEffect, useRef, useState } from "react"

/** How a receiver checks that a request came from PostStack, in a few lines. */
export const SigningNote = () => (
  <details className="signing-note">
    <summary>How to verify a signature</summary>
    <p>
      Every request carries <code>X-PostStack-Signature: sha256=&lt;hex&gt;</code>: the HMAC-SHA256 of the raw
      request body, keyed with the whole secret (<code>whsec_…</code>) as UTF-8 text. Compute it over the
      bytes you received, before parsing the JSON, and compare in constant time. While an old secret is still
      valid after a rotation, the header lists one signature per secret, separated by commas: accept the
      request if any matches.
    </p>
    <p>
      The same secret also signs the Standard Webhooks headers (<code>webhook-id</code>,{" "}
      <code>webhook-timestamp</code>, <code>webhook-signature</code>), so a <code>standardwebhooks</code>{" "}
      library verifies them as they are. The details are in the server's documentation,{" "}
      <code>docs/webhook-events.md</code> (“Verifying a request”).
    </p>
  </details>
)

/** A signing secret just made (on creation or rotation): shown once, focused so a screen reader reads it. */
export const NewSecret = ({
  title,
  secret,
  rotated,
  onDone
}: {
  readonly title: string
  readonly secret: string
  /** After a rotation: until when the old secret still signs, if it does. */
  readonly rotated?: string
  readonly onDone: () => void
}) => {
  const ref = useRef<HTMLElement>(null)
  const [copied, setCopied] = useState(false)
  useEffect(() => {
    ref.current?.focus()
  }, [])
  return (
    <section className="new-key" ref={ref} tabIndex={-1} aria-label="Your new signing secret">
      <h2>{title}</h2>
      <p>
        <strong>Copy it now: it is shown only once.</strong> Put it in your receiver's configuration; if you
        lose it, rotate the secret to get a new one.
      </p>
      {rotated === undefined ? null : <p>{rotated}</p>}
      <output className="secret" aria-label="Signing secret">
        {secret}
      </output>
      <div className="actions">
        <button
          type="button"
          onClick={() => {
            void navigator.clipboard?.writeText(secret).then(() => setCopied(true))
          }}
        >
          {copied ? "Copied" : "Copy secret"}
        </button>
        <button type="button" className="primary" onClick={onDone}>
          I have saved it
        </button>
      </div>
      <SigningNote />
    </section>
  )
}
