import type { PrivacyJobView } from "@poststack/contract"
import { useEffect, useState } from "react"
import { call } from "../api"
import { useCurrentTeam, useSession } from "../session"
import { ErrorMessage, Field, Form, formatDate, PageTitle, useAction } from "../ui"

const KINDS: Record<string, string> = {
  webhookDeliveries: "webhook deliveries",
  events: "events",
  emails: "emails",
  inbound: "inbound emails",
  contacts: "contacts",
  blobs: "stored files"
}

const STAGE: Record<PrivacyJobView["progress"]["stage"], string> = {
  pending: "Waiting for a worker",
  collecting: "Collecting",
  webhookDeliveries: "Erasing webhook deliveries",
  events: "Erasing events",
  emails: "Erasing emails",
  inbound: "Erasing inbound mail",
  contacts: "Erasing the contact",
  done: "Done"
}

/** One requested job: followed every second until it is done, then its archive or its report. */
const JobRow = ({ job, timeZone }: { readonly job: PrivacyJobView; readonly timeZone: string }) => {
  const p = job.progress
  const title = job.kind === "export" ? `Export of ${job.email ?? "an address"}` : "Erasure"
  return (
    <li className="privacy-job" data-testid={`job-${job.id}`}>
      <h3>
        {title} <span className="muted">({job.id})</span>
      </h3>
      <p>
        Requested {formatDate(job.createdAt, timeZone)}
        {job.finishedAt === null ? "" : `, finished ${formatDate(job.finishedAt, timeZone)}`}
      </p>
      <progress
        max={p.stagesTotal}
        value={p.stagesDone}
        aria-label={`${title}: ${p.stagesDone} of ${p.stagesTotal} steps`}
      />{" "}
      <span role="status" data-testid="job-status">
        {STAGE[p.stage]} ({p.stagesDone}/{p.stagesTotal})
      </span>
      {job.downloadable ? (
        <p>
          <a href={`/privacy/jobs/${encodeURIComponent(job.id)}/archive`} download>
            Download the archive (JSON)
          </a>
        </p>
      ) : null}
      {job.report === null ? null : (
        <table aria-label="Erasure report">
          <caption>What was erased</caption>
          <tbody>
            {Object.entries(job.report).map(([kind, n]) => (
              <tr key={kind}>
                <th scope="row">{KINDS[kind] ?? kind}</th>
                <td>{n.toLocaleString("en")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </li>
  )
}

/**
 * A data subject's export or erasure (P37): the request, its live progress, the archive to
 * download and the erasure's report. Owners and admins only; the API refuses anyone else.
 */
export const PrivacyPage = () => {
  const { info } = useSession()
  const team = useCurrentTeam()
  const [email, setEmail] = useState("")
  const [confirming, setConfirming] = useState<string | undefined>()
  const [jobs, setJobs] = useState<ReadonlyArray<PrivacyJobView>>([])
  const acting = useAction()
  const open = jobs.filter((j) => j.status !== "done").map((j) => j.id)
  const openKey = open.join(",")

  // biome-ignore lint/correctness/useExhaustiveDependencies: polls again whenever the set of open jobs changes.
  useEffect(() => {
    if (openKey === "") return
    const timer = setInterval(() => {
      void acting.run(async () => {
        const fresh = await Promise.all(
          openKey.split(",").map((id) => call((api) => api.privacy.get({ path: { id } })))
        )
        setJobs((current) => current.map((j) => fresh.find((f) => f.id === j.id) ?? j))
      })
    }, 1000)
    return () => clearInterval(timer)
  }, [openKey])

  const add = (job: PrivacyJobView) => setJobs((current) => [job, ...current])
  const requestExport = async () => {
    add(await call((api) => api.privacy.requestExport({ payload: { email } })))
  }
  const requestErasure = () =>
    acting.run(async () => {
      const address = confirming ?? ""
      setConfirming(undefined)
      add(await call((api) => api.privacy.requestErasure({ payload: { email: address } })))
    })

  const manager = team?.role === "owner" || team?.role === "admin"
  return (
    <section>
      <PageTitle>Privacy</PageTitle>
      <p className="lead">
        Export everything {team?.name ?? "the team"} holds about one address (emails sent to it, their events,
        the contact, inbound mail, webhook deliveries, its suppression), or erase it. The suppression entry
        stays after an erasure, so nothing is sent to that address again.
      </p>
      {manager ? null : <p role="alert">Only the team's owners and admins can export or erase.</p>}
      <Form label="Data subject" heading="Export or erase an address" submit="Export" action={requestExport}>
        <Field label="Email address" name="email" type="email" required value={email} onChange={setEmail} />
      </Form>
      <button
        type="button"
        className="danger"
        disabled={email.trim() === ""}
        onClick={() => setConfirming(email.trim())}
      >
        Erase this address…
      </button>
      {confirming === undefined ? null : (
        <div role="alertdialog" aria-labelledby="erase-title" className="confirm">
          <h2 id="erase-title">Erase {confirming}?</h2>
          <p>
            Every email to or from it (for all its recipients), its events, the contact, inbound mail and
            webhook deliveries naming it are deleted for good. This cannot be undone.
          </p>
          <button type="button" className="danger" onClick={() => void requestErasure()}>
            Erase for good
          </button>{" "}
          <button type="button" onClick={() => setConfirming(undefined)}>
            Cancel
          </button>
        </div>
      )}
      <ErrorMessage problem={acting.problem} />
      {jobs.length === 0 ? null : (
        <>
          <h2>Requests</h2>
          <ul className="privacy-jobs">
            {jobs.map((job) => (
              <JobRow key={job.id} job={job} timeZone={info.user.timeZone} />
            ))}
          </ul>
        </>
      )}
    </section>
  )
}
