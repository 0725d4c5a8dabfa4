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

/**
 * The unsubscribe pages. The confirmation page needs a click on its button (a POST), so link
 * scanners that follow every GET never unsubscribe anyone.
 */
export const page = {
  confirm: layout(
    "Unsubscribe",
    `<h1>Unsubscribe</h1>
<p>Stop receiving these emails at this address?</p>
<form method="post"><input type="hidden" name="confirm" value="yes"><button type="submit">Unsubscribe</button></form>`
  ),
  done: layout(
    "Unsubscribed",
    "<h1>You are unsubscribed</h1><p>This address will not receive these emails any more.</p>"
  ),
  gone: layout("Unsubscribe", "<h1>Nothing to unsubscribe</h1><p>This email no longer exists.</p>")
}
