import type { SignupFormView } from "@poststack/contract"

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** The honeypot input the server drops submissions by (kept in step with the domain's `HONEYPOT_FIELD`). */
const HONEYPOT = "_website"

const input = (field: SignupFormView["fields"][number]) => {
  const label = escapeHtml(field.label === "" ? field.name : field.label)
  const required = field.required ? " required" : ""
  const placeholder = field.placeholder === undefined ? "" : ` placeholder="${escapeHtml(field.placeholder)}"`
  if (field.type === "select")
    return `  <label>${label}\n    <select name="${escapeHtml(field.name)}"${required}>\n      <option value=""></option>\n${(
      field.options ?? []
    )
      .map((o) => `      <option>${escapeHtml(o)}</option>`)
      .join("\n")}\n    </select>\n  </label>`
  return `  <label>${label}\n    <input type="${field.type}" name="${escapeHtml(field.name)}"${placeholder}${required}>\n  </label>`
}

/**
 * The HTML a team pastes into its own site: the form's fields, the hidden honeypot, and a small
 * script that posts them as JSON to the public submit route (cross-origin, answered with CORS)
 * and shows the answer, or follows the form's redirect.
 */
export const embedSnippet = (form: SignupFormView, origin: string) => {
  const fields = form.fields.some((f) => f.name === "email")
    ? form.fields
    : [{ name: "email", type: "email" as const, label: "Email", required: true }, ...form.fields]
  return `<form class="poststack-signup" action="${origin}/signup-forms/${form.publicId}/submit" method="post">
${fields.map(input).join("\n")}
  <div style="position:absolute;left:-10000px" aria-hidden="true">
    <input type="text" name="${HONEYPOT}" tabindex="-1" autocomplete="off">
  </div>
  <button type="submit">Subscribe</button>
  <p class="poststack-signup-message" role="status"></p>
</form>
<script>
(function (form) {
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = {};
    new FormData(form).forEach(function (value, key) { data[key] = value; });
    var message = form.querySelector(".poststack-signup-message");
    fetch(form.action, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) })
      .then(function (res) { return res.json(); })
      .then(function (body) {
        if (body.success && body.redirect_url) { window.location.href = body.redirect_url; return; }
        message.textContent = body.success ? body.message : body.error;
      })
      .catch(function () { message.textContent = "Something went wrong: please try again."; });
  });
})(document.currentScript.previousElementSibling);
</script>`
}

/**
 * A first send with curl against this server (`origin`): the key's place left for the person to
 * fill in, since the dashboard never holds a secret it showed once.
 */
export const sendSnippet = (origin: string, from: string, to: string) => {
  const q = JSON.stringify
  const body = `{
    "from": ${q(from)},
    "to": [${q(to)}],
    "subject": "Hello from PostStack",
    "html": "<p>It works!</p>"
  }`
  return `curl -X POST ${origin}/emails \\
  -H "Authorization: Bearer YOUR_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '${body.replaceAll("'", "'\\''")}'`
}
