const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

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
</style>
</head>
<body><main>${body}</main></body>
</html>
`

/** What a plain HTML form post (no JavaScript) lands on when the form has no redirect URL. */
export const submittedPage = {
  done: (message: string) => layout("Almost there", `<h1>Almost there</h1><p>${escapeHtml(message)}</p>`),
  refused: (message: string) =>
    layout(
      "Not subscribed",
      `<h1>Not subscribed</h1><p>${escapeHtml(message)}</p><p>Go back and try again.</p>`
    )
}

/**
 * The confirmation pages. Confirming takes a click on the page's button (a POST), so a link
 * scanner that follows every GET in a mail never subscribes anyone. Form names and URLs are the
 * team's text: escaped.
 */
export const confirmPage = {
  ask: (formName: string) =>
    layout(
      "Confirm your subscription",
      `<h1>Confirm your subscription</h1>
<p>Subscribe this address through the form “${escapeHtml(formName)}”?</p>
<form method="post"><button type="submit">Confirm</button></form>`
    ),
  done: (redirectUrl: string | null) =>
    layout(
      "Subscribed",
      `<h1>You are subscribed</h1><p>Thank you for confirming your address.</p>${
        redirectUrl === null ? "" : `<p><a href="${escapeHtml(redirectUrl)}">Continue</a></p>`
      }`
    )
}
