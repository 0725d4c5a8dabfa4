import type { PreferencesView } from "@poststack/application"
import { escapeAttribute } from "@poststack/domain"

const layout = (title: string, body: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f6f7f9;color:#1f2328;margin:0}
main{max-width:28rem;margin:12vh auto;background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:2rem}
h1{font-size:1.25rem;margin:0 0 1rem}p{line-height:1.5}
button{font:inherit;background:#1f2328;color:#fff;border:0;border-radius:6px;padding:.6rem 1.2rem;cursor:pointer}
button.quiet{background:#fff;color:#1f2328;border:1px solid #d8dee4}
fieldset{border:0;padding:0;margin:0 0 1rem}legend{font-weight:600;margin-bottom:.5rem}
label{display:block;padding:.4rem 0}label small{display:block;color:#59636e;margin-left:1.6rem}
form+form{margin-top:1rem}
</style>
</head>
<body><main>${body}</main></body>
</html>
`

const text = escapeAttribute

/** The global opt-out as one button (what a reader with no topics to choose from sees). */
const leaveAllForm = (label: string, quiet: boolean) =>
  `<form method="post"><input type="hidden" name="action" value="all"><button type="submit"${quiet ? ' class="quiet"' : ""}>${label}</button></form>`

const topicRow = ({
  topic,
  subscribed
}: {
  readonly topic: { id: number; name: string; description: string | null }
  readonly subscribed: boolean
}) =>
  `<label><input type="checkbox" name="keep" value="${topic.id}"${subscribed ? " checked" : ""}> ${text(topic.name)}${
    topic.description === null || topic.description === "" ? "" : `<small>${text(topic.description)}</small>`
  }</label>`

/**
 * The pages behind unsubscribe links. Every change needs a POST (a button), so link scanners that
 * follow every GET never unsubscribe anyone. Topic names and descriptions are the team's text:
 * escaped.
 */
export const page = {
  preferences: (view: Extract<PreferencesView, { _tag: "Preferences" }>) => {
    if (view.topics.length === 0)
      return layout(
        "Unsubscribe",
        `<h1>Unsubscribe</h1>
<p>Stop receiving these emails at this address?</p>
${leaveAllForm("Unsubscribe", false)}`
      )
    const reason =
      view.linkTopic === null
        ? ""
        : `<p>You received this email because you are subscribed to <strong>${text(view.linkTopic.name)}</strong>.</p>
<form method="post"><input type="hidden" name="action" value="topic"><button type="submit">Unsubscribe from ${text(view.linkTopic.name)}</button></form>`
    return layout(
      "Email preferences",
      `<h1>Email preferences</h1>
<p>Choose what <strong>${text(view.recipient)}</strong> receives.</p>
${reason}
<form method="post"><input type="hidden" name="action" value="save">
<fieldset><legend>Topics</legend>
${view.topics.map(topicRow).join("\n")}
</fieldset>
<button type="submit">Save preferences</button></form>
${leaveAllForm("Unsubscribe from all emails", true)}`
    )
  },
  done: layout(
    "Unsubscribed",
    "<h1>You are unsubscribed</h1><p>This address will not receive these emails any more.</p>"
  ),
  leftTopic: layout(
    "Unsubscribed",
    "<h1>You are unsubscribed from this topic</h1><p>This address will not receive emails about it any more. Other topics are unchanged.</p>"
  ),
  saved: layout("Preferences saved", "<h1>Your preferences are saved</h1><p>Thank you.</p>"),
  gone: layout("Unsubscribe", "<h1>Nothing to unsubscribe</h1><p>This email no longer exists.</p>"),
  invalid: layout(
    "Invalid link",
    "<h1>This link is not valid</h1><p>It may have been changed or cut short. Use the link in the email exactly as it was sent.</p>"
  )
}
