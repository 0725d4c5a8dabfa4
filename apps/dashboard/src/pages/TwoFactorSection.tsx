import { Redacted } from "effect"
import { useEffect, useRef, useState } from "react"
import { call } from "../api"
import { ErrorMessage, Field, Form, useAction } from "../ui"
import { useLoad } from "../useLoad"

interface Enrolment {
  readonly secret: string
  readonly qrCodeSvg: string
}

/** The ten backup codes, shown once right after two-factor is turned on. */
const BackupCodes = ({
  codes,
  onDone
}: {
  readonly codes: ReadonlyArray<string>
  readonly onDone: () => void
}) => {
  const ref = useRef<HTMLElement>(null)
  const [copied, setCopied] = useState(false)
  useEffect(() => {
    ref.current?.focus()
  }, [])
  return (
    <section className="new-key" ref={ref} tabIndex={-1} aria-label="Your backup codes">
      <h3>Your backup codes</h3>
      <p>
        <strong>Save them now: they are shown only once.</strong> Each one signs you in once if you lose your
        phone.
      </p>
      <ul className="backup-codes" aria-label="Backup codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <div className="actions">
        <button
          type="button"
          onClick={() => {
            void navigator.clipboard?.writeText(codes.join("\n")).then(() => setCopied(true))
          }}
        >
          {copied ? "Copied" : "Copy codes"}
        </button>
        <button type="button" className="primary" onClick={onDone}>
          I have saved them
        </button>
      </div>
    </section>
  )
}

/** The account page's two-factor card: status, enrolment with a QR code, backup codes, turning it off. */
export const TwoFactorSection = () => {
  const status = useLoad(() => call((api) => api.twoFactor.status()))
  const [enrolment, setEnrolment] = useState<Enrolment | undefined>()
  const [backupCodes, setBackupCodes] = useState<ReadonlyArray<string> | undefined>()
  const [code, setCode] = useState("")
  const [password, setPassword] = useState("")
  const [offCode, setOffCode] = useState("")
  const starting = useAction()

  const start = () =>
    starting.run(async () => {
      const answer = await call((api) => api.twoFactor.enrol())
      setEnrolment(answer)
    })
  const confirm = async () => {
    const answer = await call((api) => api.twoFactor.confirm({ payload: { code: Redacted.make(code) } }))
    setCode("")
    setEnrolment(undefined)
    setBackupCodes(answer.backupCodes)
    await status.reload()
  }
  const disable = async () => {
    await call((api) =>
      api.twoFactor.disable({
        payload: {
          ...(password === "" ? {} : { password: Redacted.make(password) }),
          ...(offCode === "" ? {} : { code: Redacted.make(offCode) })
        }
      })
    )
    setPassword("")
    setOffCode("")
    await status.reload()
  }

  const state = status.data
  return (
    <section className="card" aria-labelledby="two-factor-heading">
      <h2 id="two-factor-heading">Two-factor authentication</h2>
      <ErrorMessage problem={status.problem ?? starting.problem} />
      {backupCodes !== undefined ? (
        <BackupCodes codes={backupCodes} onDone={() => setBackupCodes(undefined)} />
      ) : state === undefined ? null : state.enabled ? (
        <>
          <p>
            <span className="badge badge-verified">On</span> {state.backupCodesLeft} backup code(s) left.
          </p>
          <Form label="Turn off two-factor" submit="Turn off two-factor" action={disable}>
            <h3>Turn it off</h3>
            <p className="hint">Prove it is you with your password or a code from your app.</p>
            <Field
              label="Password"
              name="two_factor_password"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={setPassword}
            />
            <Field
              label="Or a code"
              name="two_factor_off_code"
              autoComplete="one-time-code"
              maxLength={32}
              value={offCode}
              onChange={setOffCode}
            />
          </Form>
        </>
      ) : enrolment === undefined ? (
        <>
          <p>
            <span className="badge badge-pending">Off</span> Add a code from an authenticator app to every
            sign-in.
          </p>
          <button type="button" className="primary" onClick={() => void start()}>
            Set up two-factor
          </button>
        </>
      ) : (
        <>
          <p>Scan this code with your authenticator app, then type the code it shows.</p>
          <img
            className="qr"
            src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrolment.qrCodeSvg)}`}
            alt="QR code for your authenticator app"
            width={180}
            height={180}
          />
          <p className="hint">Cannot scan? Type this key in the app instead:</p>
          <output className="secret" aria-label="Two-factor secret">
            {enrolment.secret}
          </output>
          <Form label="Confirm two-factor" submit="Turn on two-factor" action={confirm}>
            <Field
              label="Code from the app"
              name="two_factor_code"
              autoComplete="one-time-code"
              required
              maxLength={32}
              value={code}
              onChange={setCode}
            />
          </Form>
        </>
      )}
    </section>
  )
}
