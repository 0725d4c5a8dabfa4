import { describe, expect, it } from "vitest"
import { isAppleNetwork, truncateIp } from "../src/tracking/ClientIp.js"
import { describeClient, isMachineFetch } from "../src/tracking/Engagement.js"
import { applyTracking, escapeAttribute, type HtmlScan } from "../src/tracking/Html.js"
import {
  clickUrl,
  isRedirectTarget,
  openUrl,
  parseTrackingRef,
  signingInput,
  trackableUrl,
  unsubscribeUrl
} from "../src/tracking/Links.js"
import { fillUnsubscribeLink, listUnsubscribeHeaders } from "../src/tracking/Unsubscribe.js"

const ref = { emailId: `em_${"a".repeat(32)}`, deliveryId: 42 }
const SIG = "A".repeat(22)

describe("which links are tracked", () => {
  it("takes absolute http(s) links, trimmed as HTML trims them", () => {
    expect(trackableUrl("https://shop.example/a?b=1&c=2")).toBe("https://shop.example/a?b=1&c=2")
    expect(trackableUrl("  HTTP://Shop.example/\n")).toBe("HTTP://Shop.example/")
    expect(trackableUrl("https://shop.example")).toBe("https://shop.example")
  })

  it("never takes unsafe schemes, relative links, anchors or placeholders", () => {
    for (const href of [
      "javascript:alert(1)",
      " JavaScript:alert(1)",
      "data:text/html,<script>1</script>",
      "mailto:a@b.example",
      "tel:+15555550100",
      "sms:+15555550100",
      "/relative",
      "relative/path",
      "//protocol-relative.example/",
      "#top",
      "",
      "https://",
      "https:///path",
      "https://{{host}}/x",
      "https://shop.example/{{unsubscribe}}",
      "https://shop.example/a b",
      "https://shop.example/\u0000",
      "ftp://files.example/",
      `https://shop.example/${"x".repeat(5000)}`
    ]) {
      expect(trackableUrl(href), href).toBeUndefined()
    }
  })

  it("only redirects to what it would have tracked", () => {
    expect(isRedirectTarget("https://shop.example/")).toBe(true)
    expect(isRedirectTarget(" https://shop.example/")).toBe(false)
    expect(isRedirectTarget("javascript:alert(1)")).toBe(false)
    expect(isRedirectTarget("//evil.example")).toBe(false)
  })
})

describe("signed links", () => {
  it("signs kind, email, delivery and target apart, so no part can be swapped", () => {
    const inputs = new Set([
      signingInput("click", ref, "https://a.example/"),
      signingInput("click", ref, "https://b.example/"),
      signingInput("open", ref),
      signingInput("unsubscribe", ref),
      signingInput("click", { ...ref, deliveryId: 43 }, "https://a.example/"),
      signingInput("click", { ...ref, emailId: `em_${"b".repeat(32)}` }, "https://a.example/")
    ])
    expect(inputs.size).toBe(6)
  })

  it("builds link paths and reads them back, refusing anything not shaped like ours", () => {
    expect(openUrl("https://t.example/", ref, SIG)).toBe(`https://t.example/t/o/${ref.emailId}/42/${SIG}.gif`)
    expect(unsubscribeUrl("https://t.example", ref, SIG)).toBe(`https://t.example/u/${ref.emailId}/42/${SIG}`)
    const click = new URL(clickUrl("https://t.example", ref, SIG, "https://shop.example/?a=1&b=2#x"))
    expect(click.pathname).toBe(`/t/c/${ref.emailId}/42/${SIG}`)
    expect(click.searchParams.get("url")).toBe("https://shop.example/?a=1&b=2#x")
    expect(parseTrackingRef(ref.emailId, "42", SIG)).toEqual({ ref, signature: SIG })
    expect(parseTrackingRef("em_short", "42", SIG)).toBeUndefined()
    expect(parseTrackingRef(ref.emailId, "042", SIG)).toBeUndefined()
    expect(parseTrackingRef(ref.emailId, "-1", SIG)).toBeUndefined()
    expect(parseTrackingRef(ref.emailId, "42", `${SIG}=`)).toBeUndefined()
  })
})

describe("rewriting HTML", () => {
  const html = `<html><body><a href="https://a.example/?x=1&amp;y=2">A</a><a href="mailto:m@x.example">M</a></body></html>`
  const span = (attribute: string) => ({
    start: html.indexOf(attribute),
    end: html.indexOf(attribute) + attribute.length
  })
  const scan: HtmlScan = {
    links: [
      { ...span('href="https://a.example/?x=1&amp;y=2"'), href: "https://a.example/?x=1&y=2" },
      { ...span('href="mailto:m@x.example"'), href: "mailto:m@x.example" }
    ],
    bodyClose: html.indexOf("</body>")
  }

  it("rewrites tracked hrefs, escaped, adds the pixel before </body>, and keeps every other byte", () => {
    expect(html.slice(scan.links[0]?.start, scan.links[0]?.end)).toBe('href="https://a.example/?x=1&amp;y=2"')
    expect(html.slice(scan.links[1]?.start, scan.links[1]?.end)).toBe('href="mailto:m@x.example"')
    const out = applyTracking(
      html,
      scan,
      {
        link: (target) => `https://t.example/c?url=${encodeURIComponent(target)}&s="x"`,
        pixel: "https://t.example/o.gif"
      },
      trackableUrl
    )
    expect(out).toBe(
      `<html><body><a href="https://t.example/c?url=${encodeURIComponent("https://a.example/?x=1&y=2")}&amp;s=&quot;x&quot;">A</a>` +
        `<a href="mailto:m@x.example">M</a><img src="https://t.example/o.gif" width="1" height="1" alt="" ` +
        `style="display:block;width:1px;height:1px;border:0;margin:0;padding:0" /></body></html>`
    )
  })

  it("appends the pixel to a fragment without </body>, and changes nothing when nothing is tracked", () => {
    expect(
      applyTracking(
        "<p>hi</p>",
        { links: [], bodyClose: undefined },
        { link: undefined, pixel: "p" },
        trackableUrl
      )
    ).toMatch(/^<p>hi<\/p><img src="p"/)
    expect(applyTracking(html, scan, { link: undefined, pixel: undefined }, trackableUrl)).toBe(html)
  })

  it("escapes attribute text", () => {
    expect(escapeAttribute(`a&b"c<d>`)).toBe("a&amp;b&quot;c&lt;d&gt;")
  })
})

describe("readers' networks", () => {
  it("keeps IPv4 to its /24 and IPv6 to its /48", () => {
    expect(truncateIp("203.0.113.77")).toBe("203.0.113.0")
    expect(truncateIp("::ffff:198.51.100.9")).toBe("198.51.100.0")
    expect(truncateIp("2001:db8:abcd:12:1:2:3:4")).toBe("2001:db8:abcd::")
    expect(truncateIp("2001:db8::1")).toBe("2001:db8:0::")
    expect(truncateIp("::1")).toBe("0:0:0::")
    expect(truncateIp("fe80::1%eth0")).toBe("fe80:0:0::")
    expect(truncateIp("2001:DB8:1:2::")).toBe("2001:db8:1::")
  })

  it("refuses what is not an address", () => {
    for (const bad of [
      "",
      "unknown",
      "256.1.1.1",
      "1.2.3",
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      "::ffff:999.1.1.1"
    ]) {
      expect(truncateIp(bad), bad).toBeUndefined()
    }
  })

  it("knows Apple's network", () => {
    expect(isAppleNetwork("17.58.1.2")).toBe(true)
    expect(isAppleNetwork("::ffff:17.58.1.2")).toBe(true)
    expect(isAppleNetwork("170.1.1.1")).toBe(false)
  })
})

describe("readers' clients and machine fetches", () => {
  const iphoneMail =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
  const safari =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"

  it("names Apple Mail, Outlook, browsers and proxies", () => {
    expect(describeClient(iphoneMail, { browser: "WebKit", os: "iOS", deviceType: "mobile" })).toEqual({
      clientName: "Apple Mail",
      clientType: "email_client",
      os: "iOS",
      deviceType: "mobile"
    })
    expect(
      describeClient(safari, { browser: "Mobile Safari", os: "iOS", deviceType: "mobile" }).clientType
    ).toBe("browser")
    expect(
      describeClient("Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)", {
        browser: undefined,
        os: "Windows",
        deviceType: undefined
      })
    ).toEqual({ clientName: "Outlook", clientType: "email_client", os: "Windows", deviceType: "desktop" })
    expect(
      describeClient(
        "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
        {
          browser: "Firefox",
          os: "Windows",
          deviceType: undefined
        }
      )
    ).toEqual({ clientName: "Gmail image proxy", clientType: "proxy", os: null, deviceType: null })
    expect(describeClient("", { browser: undefined, os: undefined, deviceType: undefined })).toEqual({
      clientName: null,
      clientType: null,
      os: null,
      deviceType: null
    })
  })

  it("flags proxies, scanners, Apple's MPP fetches and empty agents; a person's client is not flagged", () => {
    const flag = (userAgent: string, ip?: string) =>
      isMachineFetch({
        userAgent,
        ip,
        client: describeClient(userAgent, { browser: undefined, os: undefined, deviceType: undefined })
      })
    expect(flag(iphoneMail, "203.0.113.5")).toBe(false)
    expect(flag(iphoneMail, "17.120.3.4")).toBe(true)
    expect(flag("Mozilla/5.0")).toBe(true)
    expect(flag("")).toBe(true)
    expect(
      flag(
        "Mozilla/5.0 (compatible; YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html)"
      )
    ).toBe(true)
    expect(flag("python-requests/2.31.0")).toBe(true)
    expect(
      flag("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0")
    ).toBe(true)
    expect(flag("Barracuda Sentinel (EE)")).toBe(true)
    const chrome =
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
    const client = describeClient(chrome, { browser: "Chrome", os: "Windows", deviceType: undefined })
    expect(isMachineFetch({ userAgent: chrome, ip: undefined, client })).toBe(false)
    expect(isMachineFetch({ userAgent: chrome, ip: undefined, client, head: true })).toBe(true)
  })
})

describe("unsubscribe links in bodies", () => {
  it("fills every {{unsubscribe_url}}, spaced or not, escaped for HTML when asked", () => {
    expect(fillUnsubscribeLink("a {{unsubscribe_url}} b {{ unsubscribe_url }}", "https://t/u?a&b")).toBe(
      "a https://t/u?a&b b https://t/u?a&b"
    )
    expect(fillUnsubscribeLink('<a href="{{unsubscribe_url}}">', "https://t/u?a&b", escapeAttribute)).toBe(
      '<a href="https://t/u?a&amp;b">'
    )
    expect(fillUnsubscribeLink("{{unsubscribe}} $& {{other}}", "https://t/$&")).toBe(
      "{{unsubscribe}} $& {{other}}"
    )
    expect(fillUnsubscribeLink("{{unsubscribe_url}}", "https://t/$&")).toBe("https://t/$&")
  })
})

describe("one-click unsubscribe headers", () => {
  it("names the https link and the RFC 8058 one-click body", () => {
    expect(listUnsubscribeHeaders("https://t.example/u/x")).toEqual({
      "List-Unsubscribe": "<https://t.example/u/x>",
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"
    })
  })
})
