import {
  type AnchorHTMLAttributes,
  type FormEvent,
  type ReactNode,
  useEffect,
  useId,
  useRef,
  useState
} from "react"
import { ApiProblem } from "./api"
import { navigate } from "./router"

/** A same-origin link that moves without a reload (and still opens in a new tab when asked). */
export const Link = ({
  href,
  children,
  ...rest
}: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) => (
  <a
    href={href}
    {...rest}
    onClick={(event) => {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey)
        return
      event.preventDefault()
      navigate(href)
    }}
  >
    {children}
  </a>
)

/** The page's title, focused when the page opens so a screen reader announces where the person landed. */
export const PageTitle = ({ children }: { children: ReactNode }) => {
  const ref = useRef<HTMLHeadingElement>(null)
  useEffect(() => {
    ref.current?.focus()
  }, [])
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  )
}

/** An error from the API, announced as it appears, with its code for a support request. */
export const ErrorMessage = ({ problem }: { problem: ApiProblem | undefined }) =>
  problem === undefined ? null : (
    <div className="alert alert-error" role="alert">
      <p>{problem.message}</p>
      <p className="code">Code: {problem.code}</p>
    </div>
  )

export const Notice = ({ children }: { children: ReactNode }) => (
  <div className="alert alert-ok" role="status">
    {children}
  </div>
)

interface FieldProps {
  readonly label: string
  readonly name: string
  readonly type?: string
  readonly autoComplete?: string
  readonly required?: boolean
  readonly hint?: string
  readonly minLength?: number
  readonly maxLength?: number
  readonly value: string
  readonly onChange: (value: string) => void
}

/** A labelled input with its hint tied to it for assistive technology. */
export const Field = (props: FieldProps) => {
  const id = useId()
  const hintId = `${id}-hint`
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? "text"}
        autoComplete={props.autoComplete}
        required={props.required}
        minLength={props.minLength}
        maxLength={props.maxLength}
        value={props.value}
        aria-describedby={props.hint === undefined ? undefined : hintId}
        onChange={(event) => props.onChange(event.target.value)}
      />
      {props.hint === undefined ? null : (
        <p className="hint" id={hintId}>
          {props.hint}
        </p>
      )}
    </div>
  )
}

interface SelectProps {
  readonly label: string
  readonly name: string
  readonly value: string
  readonly options: ReadonlyArray<readonly [string, string]>
  readonly onChange: (value: string) => void
  readonly hideLabel?: boolean
}

export const Select = (props: SelectProps) => {
  const id = useId()
  return (
    <div className={props.hideLabel === true ? "field field-inline" : "field"}>
      <label htmlFor={id} className={props.hideLabel === true ? "visually-hidden" : undefined}>
        {props.label}
      </label>
      <select
        id={id}
        name={props.name}
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
      >
        {props.options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </div>
  )
}

/**
 * A form whose submit runs `action`; while it runs the button says so, and an API error is shown
 * above the fields and takes focus so a keyboard user hears it.
 */
export const Form = ({
  label,
  heading,
  submit,
  action,
  children,
  className
}: {
  readonly label: string
  /** A visible title, above any error, so the error reads as the form's. */
  readonly heading?: string
  readonly submit: string
  readonly action: () => Promise<void>
  readonly children: ReactNode
  readonly className?: string
}) => {
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<ApiProblem | undefined>()
  const errorRef = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (problem !== undefined) errorRef.current?.focus()
  }, [problem])
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setProblem(undefined)
    try {
      await action()
    } catch (error) {
      setProblem(
        error instanceof ApiProblem ? error : new ApiProblem("internal_error", String(error), undefined)
      )
    } finally {
      setBusy(false)
    }
  }
  return (
    <form aria-label={label} onSubmit={onSubmit} className={className}>
      {heading === undefined ? null : <h2>{heading}</h2>}
      <div ref={errorRef} tabIndex={-1}>
        <ErrorMessage problem={problem} />
      </div>
      {children}
      <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
        {busy ? "Working…" : submit}
      </button>
    </form>
  )
}

/** Runs a one-click action (revoke, remove) and reports its error beside the list. */
export const useAction = () => {
  const [problem, setProblem] = useState<ApiProblem | undefined>()
  const run = async (action: () => Promise<void>) => {
    setProblem(undefined)
    try {
      await action()
    } catch (error) {
      setProblem(
        error instanceof ApiProblem ? error : new ApiProblem("internal_error", String(error), undefined)
      )
    }
  }
  return { problem, run }
}

/** Dates in the person's own time zone (their account setting). */
export const formatDate = (date: Date | null, timeZone: string) =>
  date === null
    ? "never"
    : new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short", timeZone }).format(date)

/** To the second, in the person's time zone: for logs, where a send, its delivery and a retry often share a minute. */
export const formatMoment = (date: Date, timeZone: string) =>
  new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium", timeZone }).format(date)

/**
 * `text` with each bidirectional control (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C)
 * written out as `[U+202E]`. A sender chooses these: a right-to-left override in a name turns the
 * address after it round (`<moc.knab@yllas>`), and in a file name makes `…gnp.html` read `….png`.
 */
export const visibleText = (text: string) =>
  text.replace(
    /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/gu,
    (c) => `[U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}]`
  )

/**
 * A secret just made (an API key, a signing secret), shown this once: focused so a screen reader
 * reads it out, with a copy button and an acknowledgement that closes it.
 */
export const ShownOnce = ({
  label,
  heading,
  secretLabel,
  secret,
  copyText,
  onDone,
  children,
  footer
}: {
  /** The section's accessible name. */
  readonly label: string
  readonly heading: ReactNode
  readonly secretLabel: string
  readonly secret: string
  readonly copyText: string
  readonly onDone: () => void
  /** What to do with it, above the secret. */
  readonly children: ReactNode
  /** Below the buttons. */
  readonly footer?: ReactNode
}) => {
  const ref = useRef<HTMLElement>(null)
  const [copied, setCopied] = useState(false)
  useEffect(() => {
    ref.current?.focus()
  }, [])
  return (
    <section className="new-key" ref={ref} tabIndex={-1} aria-label={label}>
      <h2>{heading}</h2>
      {children}
      <output className="secret" aria-label={secretLabel}>
        {secret}
      </output>
      <div className="actions">
        <button
          type="button"
          onClick={() => {
            void navigator.clipboard?.writeText(secret).then(() => setCopied(true))
          }}
        >
          {copied ? "Copied" : copyText}
        </button>
        <button type="button" className="primary" onClick={onDone}>
          I have saved it
        </button>
      </div>
      {footer}
    </section>
  )
}
