import type { BroadcastView } from "@poststack/contract"
import { useId, useState } from "react"
import { call } from "../api"
import { Field, Form, Select } from "../ui"
import { useLoad } from "../useLoad"

interface VariantDraft {
  readonly name: string
  readonly subject: string
  readonly weight: string
}

const letters = ["A", "B", "C", "D", "E"]

/** Weights that add up to 100 for `n` variants, the first ones taking what division leaves. */
const evenWeights = (n: number) =>
  Array.from({ length: n }, (_, i) => String(Math.floor(100 / n) + (i < 100 % n ? 1 : 0)))

const NumberField = (props: {
  readonly label: string
  readonly name: string
  readonly value: string
  readonly min: number
  readonly max: number
  readonly hint?: string
  readonly onChange: (value: string) => void
}) => {
  const id = useId()
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type="number"
        inputMode="numeric"
        min={props.min}
        max={props.max}
        required
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
      />
      {props.hint === undefined ? null : <p className="hint">{props.hint}</p>}
    </div>
  )
}

/** The A/B part of the form: 2-5 variants with their subject and weight, the sample, window and metric. */
const AbSetup = (props: {
  readonly variants: ReadonlyArray<VariantDraft>
  readonly setVariants: (v: ReadonlyArray<VariantDraft>) => void
  readonly sample: string
  readonly setSample: (v: string) => void
  readonly window: string
  readonly setWindow: (v: string) => void
  readonly metric: string
  readonly setMetric: (v: string) => void
}) => {
  const { variants, setVariants } = props
  const total = variants.reduce((sum, v) => sum + (Number(v.weight) || 0), 0)
  const resize = (n: number) =>
    setVariants(
      evenWeights(n).map((weight, i) => ({
        name: variants[i]?.name ?? `Variant ${letters[i]}`,
        subject: variants[i]?.subject ?? "",
        weight
      }))
    )
  const change = (i: number, field: keyof VariantDraft, value: string) =>
    setVariants(variants.map((v, j) => (j === i ? { ...v, [field]: value } : v)))
  return (
    <fieldset className="ab-setup" aria-label="A/B test">
      <legend>A/B test</legend>
      {variants.map((v, i) => (
        <div className="variant-row" key={letters[i]} data-testid={`variant-${i}`}>
          <Field
            label={`Variant ${letters[i]} name`}
            name={`variant-${i}-name`}
            required
            maxLength={100}
            value={v.name}
            onChange={(x) => change(i, "name", x)}
          />
          <Field
            label={`Variant ${letters[i]} subject`}
            name={`variant-${i}-subject`}
            required
            maxLength={998}
            value={v.subject}
            onChange={(x) => change(i, "subject", x)}
          />
          <NumberField
            label={`Variant ${letters[i]} weight (%)`}
            name={`variant-${i}-weight`}
            min={1}
            max={100}
            value={v.weight}
            onChange={(x) => change(i, "weight", x)}
          />
        </div>
      ))}
      <p className={total === 100 ? "hint" : "hint warn"} aria-live="polite">
        Weights add up to {total} % {total === 100 ? "" : "(they must add up to 100)"}
      </p>
      <div className="actions">
        <button type="button" disabled={variants.length >= 5} onClick={() => resize(variants.length + 1)}>
          Add a variant
        </button>
        <button type="button" disabled={variants.length <= 2} onClick={() => resize(variants.length - 1)}>
          Remove the last variant
        </button>
      </div>
      <div className="grid-3">
        <NumberField
          label="Test sample (%)"
          name="sample"
          min={5}
          max={50}
          value={props.sample}
          hint="Drawn at random from the audience"
          onChange={props.setSample}
        />
        <NumberField
          label="Test window (minutes)"
          name="window"
          min={30}
          max={1440}
          value={props.window}
          hint="Then the winner goes to the rest"
          onChange={props.setWindow}
        />
        <Select
          label="Winner by"
          name="metric"
          value={props.metric}
          options={[
            ["open_rate", "Open rate"],
            ["click_rate", "Click rate"]
          ]}
          onChange={props.setMetric}
        />
      </div>
    </fieldset>
  )
}

/**
 * A new broadcast: sender, subject, content typed or taken from a template, the segment and topic
 * it goes to, an optional time and A/B test. Saved as a draft, or queued for its time.
 */
export const BroadcastCompose = ({ onCreated }: { readonly onCreated: (b: BroadcastView) => void }) => {
  const segments = useLoad(() => call((api) => api.segments.list()))
  const topics = useLoad(() => call((api) => api.subscriptionTopics.list()))
  const templates = useLoad(() => call((api) => api.templates.list({ urlParams: { page: 1, perPage: 100 } })))
  const [name, setName] = useState("")
  const [from, setFrom] = useState("")
  const [subject, setSubject] = useState("")
  const [html, setHtml] = useState("")
  const [segment, setSegment] = useState("")
  const [topic, setTopic] = useState("")
  const [template, setTemplate] = useState("")
  const [when, setWhen] = useState("")
  const [ab, setAb] = useState(false)
  const [variants, setVariants] = useState<ReadonlyArray<VariantDraft>>(
    evenWeights(2).map((weight, i) => ({ name: `Variant ${letters[i]}`, subject: "", weight }))
  )
  const [sample, setSample] = useState("20")
  const [window, setWindow] = useState("120")
  const [metric, setMetric] = useState("open_rate")
  const htmlId = useId()
  const segmentList = segments.data?.segments ?? []
  const chosenSegment = segment === "" ? segmentList[0]?.publicId : segment

  const pickTemplate = (id: string) => {
    setTemplate(id)
    const t = templates.data?.data.find((x) => x.publicId === id)
    if (t === undefined) return
    setSubject(t.subject)
    setHtml(t.htmlBody ?? "")
  }

  const create = async () => {
    const { broadcast } = await call((api) =>
      api.broadcasts.create({
        payload: {
          segmentId: chosenSegment ?? "",
          from,
          subject,
          html: html === "" ? null : html,
          name: name === "" ? null : name,
          topicId: topic === "" ? null : topic,
          scheduledAt: when === "" ? null : new Date(when),
          abTest: ab
            ? {
                variants: variants.map((v) => ({
                  name: v.name,
                  subject: v.subject === "" ? subject : v.subject,
                  html: html === "" ? null : html,
                  weight: Number(v.weight)
                })),
                testSampleSize: Number(sample),
                testDurationMinutes: Number(window),
                winnerMetric: metric as "open_rate" | "click_rate"
              }
            : null
        }
      })
    )
    setName("")
    setSubject("")
    setWhen("")
    onCreated(broadcast)
  }

  return (
    <Form
      label="Compose a broadcast"
      heading="New broadcast"
      submit={when === "" ? "Save draft" : "Schedule"}
      action={create}
      className="card compose"
    >
      <div className="grid-2">
        <Field label="Name (only you see it)" name="name" maxLength={200} value={name} onChange={setName} />
        <Field
          label="From"
          name="from"
          required
          hint="An address on one of your verified domains"
          value={from}
          onChange={setFrom}
        />
        <Select
          label="Segment"
          name="segment"
          value={chosenSegment ?? ""}
          options={segmentList.map((s) => [s.publicId, `${s.name} (${s.contactCount} contacts)`] as const)}
          onChange={setSegment}
        />
        <Select
          label="Topic"
          name="topic"
          value={topic}
          options={[
            ["", "No topic"],
            ...(topics.data?.topics ?? []).map((t) => [t.publicId, t.name] as const)
          ]}
          onChange={setTopic}
        />
      </div>
      <Select
        label="Start from a template"
        name="template"
        value={template}
        options={[
          ["", "Write it here"],
          ...(templates.data?.data ?? []).map((t) => [t.publicId, t.name] as const)
        ]}
        onChange={pickTemplate}
      />
      <Field label="Subject" name="subject" required maxLength={998} value={subject} onChange={setSubject} />
      <div className="field">
        <label htmlFor={htmlId}>HTML body</label>
        <textarea
          id={htmlId}
          name="html"
          rows={8}
          spellCheck={false}
          value={html}
          onChange={(event) => setHtml(event.target.value)}
        />
        <p className="hint">
          {"{{ contact.first_name }}"} and any contact property are filled in for each recipient.{" "}
          {"{{unsubscribe_url}}"} in a link lets them leave from the mail itself (mail apps show their own
          unsubscribe button too).
        </p>
      </div>
      <div className="grid-2">
        <div className="field">
          <label htmlFor={`${htmlId}-when`}>Send at (your browser's time; empty: a draft)</label>
          <input
            id={`${htmlId}-when`}
            name="scheduled-at"
            type="datetime-local"
            value={when}
            onChange={(event) => setWhen(event.target.value)}
          />
        </div>
        <div className="field field-check">
          <label>
            <input type="checkbox" checked={ab} onChange={(event) => setAb(event.target.checked)} /> Run an
            A/B test
          </label>
        </div>
      </div>
      {ab ? (
        <AbSetup
          variants={variants}
          setVariants={setVariants}
          sample={sample}
          setSample={setSample}
          window={window}
          setWindow={setWindow}
          metric={metric}
          setMetric={setMetric}
        />
      ) : null}
    </Form>
  )
}
