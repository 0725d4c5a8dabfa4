import { Select } from "../ui"

const zones = (): ReadonlyArray<string> => {
  const all = Intl.supportedValuesOf("timeZone")
  return all.includes("UTC") ? all : ["UTC", ...all]
}

export const browserTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"

/** The IANA zones this browser knows; dates in the dashboard and in mail use the one chosen. */
export const TimeZoneSelect = ({
  value,
  onChange
}: {
  readonly value: string
  readonly onChange: (v: string) => void
}) => (
  <Select
    label="Time zone"
    name="time_zone"
    value={value}
    options={zones().map((zone) => [zone, zone.replaceAll("_", " ")] as const)}
    onChange={onChange}
  />
)
