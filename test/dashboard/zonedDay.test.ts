import { describe, expect, it } from "vitest"
import { wallTime, zonedDay, zonedTime } from "../../apps/dashboard/src/zonedDay.js"
import { paramsOf, readFilters } from "../../apps/dashboard/src/pages/emailFilters.js"

/** The audit log's day filters read a day in the person's time zone, as its dates are shown. */
describe("dashboard: a filter day in the person's time zone", () => {
  it("starts and ends the day at that zone's midnights, not UTC's", () => {
    expect(zonedDay("2026-12-05", "UTC", "start")?.toISOString()).toBe("2026-12-05T00:00:00.000Z")
    expect(zonedDay("2026-12-05", "UTC", "end")?.toISOString()).toBe("2026-12-05T23:59:59.999Z")
    // Paris is an hour ahead in winter: its 5 December starts at 23:00 UTC the day before.
    expect(zonedDay("2026-12-05", "Europe/Paris", "start")?.toISOString()).toBe("2026-12-04T23:00:00.000Z")
    expect(zonedDay("2026-12-05", "Europe/Paris", "end")?.toISOString()).toBe("2026-12-05T22:59:59.999Z")
    // New York, behind; and Kathmandu, at a quarter-hour offset.
    expect(zonedDay("2026-07-01", "America/New_York", "start")?.toISOString()).toBe(
      "2026-07-01T04:00:00.000Z"
    )
    expect(zonedDay("2026-07-01", "Asia/Kathmandu", "start")?.toISOString()).toBe("2026-06-30T18:15:00.000Z")
  })

  it("counts a daylight-saving day as the 23 or 25 hours it has", () => {
    const spring = ["2026-03-29", "Europe/Paris"] as const
    const start = zonedDay(...spring, "start")?.getTime() ?? 0
    const end = zonedDay(...spring, "end")?.getTime() ?? 0
    expect((end + 1 - start) / 3_600_000).toBe(23)
    const autumnStart = zonedDay("2026-10-25", "Europe/Paris", "start")?.getTime() ?? 0
    const autumnEnd = zonedDay("2026-10-25", "Europe/Paris", "end")?.getTime() ?? 0
    expect((autumnEnd + 1 - autumnStart) / 3_600_000).toBe(25)
  })

  it("leaves an empty or malformed field unfiltered", () => {
    expect(zonedDay("", "Europe/Paris", "start")).toBeUndefined()
    expect(zonedDay("5/12/2026", "Europe/Paris", "end")).toBeUndefined()
  })
})

/** An email's new send time is typed as the person's wall clock, in their zone, and shown back so. */
describe("dashboard: a time of day in the person's time zone", () => {
  it("reads a datetime-local value in that zone, daylight saving included", () => {
    expect(zonedTime("2026-12-05T09:30", "UTC")?.toISOString()).toBe("2026-12-05T09:30:00.000Z")
    expect(zonedTime("2026-12-05T09:30", "Europe/Paris")?.toISOString()).toBe("2026-12-05T08:30:00.000Z")
    expect(zonedTime("2026-07-05T09:30", "Europe/Paris")?.toISOString()).toBe("2026-07-05T07:30:00.000Z")
    expect(zonedTime("2026-07-01T00:00", "Asia/Kathmandu")?.toISOString()).toBe("2026-06-30T18:15:00.000Z")
    expect(zonedTime("2026-12-05", "UTC")).toBeUndefined()
    expect(zonedTime("", "UTC")).toBeUndefined()
  })

  it("shows an instant as that zone's wall clock, the other way round", () => {
    expect(wallTime(new Date("2026-12-05T08:30:00Z"), "Europe/Paris")).toBe("2026-12-05T09:30")
    expect(wallTime(new Date("2026-07-01T03:59:00Z"), "America/New_York")).toBe("2026-06-30T23:59")
    for (const zone of ["UTC", "Europe/Paris", "America/New_York", "Asia/Kathmandu"]) {
      const at = new Date("2026-10-25T14:07:00Z")
      expect(zonedTime(wallTime(at, zone), zone)?.toISOString()).toBe(at.toISOString())
    }
  })
})

/** What an address like `/app/emails?after=2020-13-45&status=bogus` does to the Emails page's filters. */
describe("dashboard: a filter the page's controls cannot show", () => {
  it("is no day: 2020-13-45 and 2026-02-30 are not rolled on to another one", () => {
    expect(zonedDay("2020-13-45", "UTC", "start")).toBeUndefined()
    expect(zonedDay("2026-02-30", "Europe/Paris", "end")).toBeUndefined()
    expect(zonedDay("2028-02-29", "UTC", "start")?.toISOString()).toBe("2028-02-29T00:00:00.000Z")
    expect(zonedTime("2026-02-30T10:00", "UTC")).toBeUndefined()
    expect(zonedTime("2026-03-01T24:30", "UTC")).toBeUndefined()
  })

  it("is left out of the filters, so the list is never filtered by what the form does not show", () => {
    const filters = readFilters(
      new URLSearchParams("status=bogus&after=2020-13-45&before=2026-12-05&domain=abc&tag=a%26b&to=x")
    )
    expect(filters).toEqual({
      to: "x",
      subject: "",
      status: "",
      domain: "",
      tag: "a&b",
      after: "",
      before: "2026-12-05"
    })
    expect(paramsOf(filters, 1, "UTC")).toEqual({
      page: 1,
      perPage: 25,
      to: "x",
      tag: "a&b",
      dateTo: "2026-12-05T23:59:59.999Z"
    })
    expect(readFilters(new URLSearchParams("status=bounced&domain=3")).status).toBe("bounced")
  })
})
