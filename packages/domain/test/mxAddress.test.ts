import { describe, expect, it } from "vitest"
import { describeMxRefusal, mxAddressRefusal, screenMxHosts } from "../src/emails/MxAddress.js"

describe("MX addresses mail may be handed to", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.8.9.10", "loopback"],
    ["::1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.20.0.5", "private"],
    ["192.168.0.10", "private"],
    ["fd12:3456::25", "private"],
    ["169.254.10.1", "link_local"],
    ["fe80::25", "link_local"],
    ["100.64.1.1", "cgnat"],
    ["169.254.169.254", "metadata"],
    ["fd00:ec2::254", "metadata"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["224.0.0.25", "multicast"],
    ["::ffff:10.0.0.1", "ipv4_mapped"],
    ["64:ff9b::a00:1", "private"],
    ["192.0.2.25", "reserved"],
    ["mx.example.test", "reserved"]
  ])("refuses %s (%s) by default", (address, cls) => {
    expect(mxAddressRefusal(address, false)).toBe(cls)
  })

  it("takes public addresses whatever the setting", () => {
    for (const address of ["8.8.8.8", "93.184.216.34", "2606:4700::1111"]) {
      expect(mxAddressRefusal(address, false)).toBeNull()
      expect(mxAddressRefusal(address, true)).toBeNull()
    }
  })

  it("lets private networks through when allowed, never the metadata service, unspecified or multicast", () => {
    for (const address of ["127.0.0.1", "10.1.2.3", "192.168.0.10", "100.64.1.1", "169.254.10.1", "fd12::25"])
      expect(mxAddressRefusal(address, true)).toBeNull()
    expect(mxAddressRefusal("169.254.169.254", true)).toBe("metadata")
    expect(mxAddressRefusal("0.0.0.0", true)).toBe("unspecified")
    expect(mxAddressRefusal("224.0.0.25", true)).toBe("multicast")
  })

  it("keeps the allowed addresses of each host and names every refused one", () => {
    const screened = screenMxHosts(
      [
        { name: "mx1.mixed.test", addresses: ["10.0.0.5", "93.184.216.34"] },
        { name: "mx2.mixed.test", addresses: ["169.254.169.254"] }
      ],
      false
    )
    expect(screened.allowed).toEqual([{ name: "mx1.mixed.test", addresses: ["93.184.216.34"] }])
    expect(screened.refused).toEqual([
      { host: "mx1.mixed.test", address: "10.0.0.5", class: "private" },
      { host: "mx2.mixed.test", address: "169.254.169.254", class: "metadata" }
    ])
    expect(describeMxRefusal("mixed.test", screened.refused)).toBe(
      "every mail server of mixed.test is at a non-public address (mx1.mixed.test → 10.0.0.5: private, " +
        "mx2.mixed.test → 169.254.169.254: metadata); mail goes to public addresses only"
    )
  })
})
