import { useState } from "react"
import { useSession } from "../session"
import { sendSnippet } from "../snippet"
import { Link } from "../ui"

/** What to do before the first email: a key, a domain, then one request to this server. */
export const FirstEmail = ({ from, onSent }: { readonly from: string; readonly onSent: () => void }) => {
  const { info } = useSession()
  const snippet = sendSnippet(window.location.origin, from, info.user.email)
  const [copied, setCopied] = useState(false)
  return (
    <section className="card empty-state" aria-label="Send your first email">
      <h2>No emails yet</h2>
      <p>Mail is sent by your programs through the API or SMTP, and every email shows up here.</p>
      <ol>
        <li>
          <Link href="/app/domains">Add a domain</Link> and publish its DNS records, so mail from it is signed
          and trusted.
        </li>
        <li>
          <Link href="/app/api-keys">Create an API key</Link> (the dashboard itself only reads mail).
        </li>
        <li>Send one, putting your key in place of YOUR_API_KEY:</li>
      </ol>
      <pre className="snippet" data-testid="first-email-snippet">
        <code>{snippet}</code>
      </pre>
      <div className="actions">
        <button
          type="button"
          onClick={() => void navigator.clipboard?.writeText(snippet).then(() => setCopied(true))}
        >
          {copied ? "Copied" : "Copy"}
        </button>
        <button type="button" onClick={onSent}>
          I sent one: look again
        </button>
      </div>
    </section>
  )
}
