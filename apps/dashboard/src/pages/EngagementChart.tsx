interface Hour {
  readonly hour: Date
  readonly opened: number
  readonly clicked: number
}

const HOUR = 3_600_000
/** At most two days of hours are drawn: the last ones. */
const MAX_HOURS = 48

/** Every hour from the first to the last with engagement, empty hours as zeros, the last 48 at most. */
const filled = (hours: ReadonlyArray<Hour>): ReadonlyArray<Hour> => {
  if (hours.length === 0) return []
  const first = hours[0]?.hour.getTime() ?? 0
  const last = hours.at(-1)?.hour.getTime() ?? first
  const start = Math.max(first, last - (MAX_HOURS - 1) * HOUR)
  const byTime = new Map(hours.map((h) => [h.hour.getTime(), h]))
  const out: Array<Hour> = []
  for (let t = start; t <= last; t += HOUR)
    out.push(byTime.get(t) ?? { hour: new Date(t), opened: 0, clicked: 0 })
  return out
}

/** Opens and clicks per hour as paired bars, in an inline SVG with a text fallback per bar. */
export const EngagementChart = ({
  hours,
  timeZone
}: {
  readonly hours: ReadonlyArray<Hour>
  readonly timeZone: string
}) => {
  const data = filled(hours)
  if (data.length === 0) return <p className="hint">No opens or clicks yet.</p>
  const width = 640
  const height = 160
  const slot = width / Math.max(data.length, 6)
  const top = Math.max(1, ...data.map((d) => Math.max(d.opened, d.clicked)))
  const y = (n: number) => height - (n / top) * (height - 16)
  const label = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "short", timeZone })
  const bar = Math.max(2, slot / 2 - 3)
  return (
    <figure className="engagement">
      <svg
        viewBox={`0 0 ${width} ${height + 18}`}
        role="img"
        aria-labelledby="engagement-title"
        className="engagement-chart"
      >
        <title id="engagement-title">Opens and clicks per hour, up to {top} in an hour</title>
        <line x1={0} x2={width} y1={height} y2={height} className="axis" />
        {data.map((d, i) => (
          <g key={d.hour.getTime()} data-hour={d.hour.toISOString()}>
            <rect
              x={i * slot + 2}
              y={y(d.opened)}
              width={bar}
              height={height - y(d.opened)}
              className="bar-opened"
            >
              <title>{`${label.format(d.hour)}: ${d.opened} opened, ${d.clicked} clicked`}</title>
            </rect>
            <rect
              x={i * slot + 2 + bar + 1}
              y={y(d.clicked)}
              width={bar}
              height={height - y(d.clicked)}
              className="bar-clicked"
            />
          </g>
        ))}
        <text x={0} y={height + 14} className="tick">
          {label.format(data[0]?.hour ?? new Date())}
        </text>
        {data.length > 1 ? (
          <text x={width} y={height + 14} textAnchor="end" className="tick">
            {label.format(data.at(-1)?.hour ?? new Date())}
          </text>
        ) : null}
      </svg>
      <figcaption>
        <span className="key key-opened" /> Opened <span className="key key-clicked" /> Clicked (first time
        per recipient)
      </figcaption>
    </figure>
  )
}
