import { ShownOnce } from "../ui"

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

/** A signing secret just made (on creation or rotation): shown once. */
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
}) => (
  <ShownOnce
    label="Your new signing secret"
    heading={title}
    secretLabel="Signing secret"
    secret={secret}
    copyText="Copy secret"
    onDone={onDone}
    footer={<SigningNote />}
  >
    <p>
      <strong>Copy it now: it is shown only once.</strong> Put it in your receiver's configuration; if you
      lose it, rotate the secret to get a new one.
    </p>
    {rotated === undefined ? null : <p>{rotated}</p>}
  </ShownOnce>
)
