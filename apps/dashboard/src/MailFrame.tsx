/**
 * The HTML with every link aimed at a new window, which the sandbox never opens: a click does
 * nothing, where following it in the frame would leave a blocked page in the message's place. The
 * `<base>` goes after any doctype so the message keeps its rendering mode.
 */
export const inertLinks = (html: string) => {
  const doctype = /^\s*<!doctype[^>]*>/i.exec(html)?.[0] ?? ""
  return `${doctype}<base target="_blank">${html.slice(doctype.length)}`
}

/**
 * The one way the dashboard shows mail HTML (sent, received, a template's preview): a frame of no
 * origin that runs no script, submits no form and navigates nowhere (`sandbox=""`), under the
 * dashboard's own policy, so nothing remote loads either; links do nothing and no referrer leaves.
 */
export const MailFrame = ({ title, html }: { readonly title: string; readonly html: string }) => (
  <iframe
    title={title}
    sandbox=""
    referrerPolicy="no-referrer"
    srcDoc={inertLinks(html)}
    className="mail-frame"
  />
)
