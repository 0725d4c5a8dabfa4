import { Htmlparser2HtmlScanner } from "@poststack/adapters-smtp"
import { applyTracking, trackableUrl } from "@poststack/domain"
import { describe, expect, it } from "vitest"

const { scan } = Htmlparser2HtmlScanner

const track = (html: string) =>
  applyTracking(html, scan(html), { link: (t) => `T(${t})`, pixel: "P" }, trackableUrl)

describe("finding links with a real HTML parser", () => {
  it("rewrites hrefs in any quoting and case, decoding entities first", () => {
    expect(track(`<A HREF='https://a.example/?x=1&amp;y=2'>a</A>`)).toBe(
      `<A href="T(https://a.example/?x=1&amp;y=2)">a</A><img src="P" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0;margin:0;padding:0" />`
    )
    expect(track(`<a class=x href=https://b.example/p>b</a>`)).toContain(
      `<a class=x href="T(https://b.example/p)">`
    )
    expect(track(`<a href = "https://c.example" >c</a>`)).toContain(`<a href="T(https://c.example)" >`)
    expect(track(`<area shape="rect" href="https://d.example">`)).toContain(`href="T(https://d.example)"`)
  })

  it("leaves alone what is not a link: comments, scripts, styles, <link>, text that looks like a tag", () => {
    const html = [
      `<!-- <a href="https://hidden.example">x</a> -->`,
      `<script>var s = '<a href="https://script.example">'</script>`,
      `<style>a[href="https://style.example"]{}</style>`,
      `<link rel="stylesheet" href="https://css.example/a.css">`,
      `<p>write &lt;a href="https://text.example"&gt;</p>`,
      `<img src="https://img.example/a.png">`
    ].join("")
    expect(scan(html).links).toEqual([])
    expect(track(html)).toBe(
      `${html}<img src="P" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0;margin:0;padding:0" />`
    )
  })

  it("takes only the first of repeated hrefs, as browsers do", () => {
    const out = track(`<a href="https://first.example" href="https://second.example">x</a>`)
    expect(out).toContain(`href="T(https://first.example)" href="https://second.example"`)
  })

  it("puts the pixel before the last real </body>, not an implied one", () => {
    const html = `<html><body><p>a</p></body></html>`
    expect(track(html)).toMatch(/<p>a<\/p><img src="P"[^>]*\/><\/body><\/html>$/)
    expect(scan(`<p>no body</p>`).bodyClose).toBeUndefined()
  })

  it("survives broken HTML without losing bytes", () => {
    const html = `<a href="https://ok.example">unterminated <b><a href="javascript:x"><div></a`
    const out = track(html)
    expect(out).toContain(`href="T(https://ok.example)"`)
    expect(out).toContain(`href="javascript:x"`)
    expect(
      out.startsWith(`<a href="T(https://ok.example)">unterminated <b><a href="javascript:x"><div></a`)
    ).toBe(true)
  })
})
