import type { DomainView } from "@poststack/contract"
import { useState } from "react"
import { call } from "../api"
import { useSession } from "../session"
import { ErrorMessage, Field, Form, PageTitle, formatDate, useAction } from "../ui"
import { useLoad } from "../useLoad"

const STATUS_TEXT = { pending: "Waiting for DNS", verified: "Verified", failed: "Failed" } as const

const Status = ({ status }: { readonly status: keyof typeof STATUS_TEXT }) => (
  <span className={`badge badge-${status}`}>{STATUS_TEXT[status]}</span>
)

/** The records to publish at the DNS host, each with whether DNS served it at the last check. */
const Records = ({ domain }: { readonly domain: DomainView }) => {
  const records = [
    ...domain.dnsRecords,
    ...(domain.trackingDnsRecord === null ? [] : [domain.trackingDnsRecord])
  ]
  return (
    <table className="records">
      <caption>DNS records for {domain.name}</caption>
      <thead>
        <tr>
          <th scope="col">Purpose</th>
          <th scope="col">Type</th>
          <th scope="col">Name</th>
          <th scope="col">Value</th>
          <th scope="col">Status</th>
        </tr>
      </thead>
      <tbody>
        {records.map((record) => (
          <tr key={`${record.purpose}:${record.type}:${record.name}:${record.value}`}>
            <td>
              {record.purpose.replaceAll("_", " ")}
              {record.required ? "" : " (optional)"}
            </td>
            <td>{record.type}</td>
            <td>
              <code className="wrap">{record.name}</code>
            </td>
            <td>
              <code className="wrap">
                {record.priority === null ? "" : `${record.priority} `}
                {record.value}
              </code>
            </td>
            <td>
              <Status status={record.status} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

export const DomainsPage = () => {
  const { info } = useSession()
  const domains = useLoad(() => call((api) => api.domains.list()))
  const [name, setName] = useState("")
  const [open, setOpen] = useState<number | undefined>()
  const [message, setMessage] = useState<string | undefined>()
  const acting = useAction()

  const add = async () => {
    const created = await call((api) =>
      api.domains.create({
        payload: {
          name,
          openTracking: false,
          clickTracking: false,
          tlsMode: "opportunistic",
          inboundEnabled: false
        }
      })
    )
    setName("")
    setOpen(created.domain.id)
    await domains.reload()
  }
  const verify = (domain: DomainView) =>
    acting.run(async () => {
      setMessage(undefined)
      const answer = await call((api) =>
        api.domains.verify({ path: { id: { _tag: "Public", publicId: domain.publicId } } })
      )
      setMessage(
        answer.domain.verified
          ? `${domain.name} is verified.`
          : `Checked ${domain.name}: ${answer.domain.dnsRecords.filter((r) => r.required && !r.verified).length} required record(s) not found yet. DNS changes can take a while to appear.`
      )
      await domains.reload()
    })

  return (
    <section>
      <PageTitle>Domains</PageTitle>
      <p className="lead">
        Mail is sent from your own domains once their DNS records are published and verified.
      </p>
      <Form
        label="Add a domain"
        submit="Add domain"
        action={add}
        className="card inline-form"
        heading="Add a domain"
      >
        <Field
          label="Domain name"
          name="name"
          required
          maxLength={253}
          hint="For example mail.example.com"
          value={name}
          onChange={setName}
        />
      </Form>
      <h2>Your domains</h2>
      <ErrorMessage problem={domains.problem ?? acting.problem} />
      {message === undefined ? null : (
        <p className="alert alert-info" role="status">
          {message}
        </p>
      )}
      {domains.data === undefined ? (
        <p role="status">Loading…</p>
      ) : domains.data.domains.length === 0 ? (
        <p>No domains yet.</p>
      ) : (
        <ul className="domain-list">
          {domains.data.domains.map((domain) => (
            <li key={domain.id} className="card">
              <div className="domain-head">
                <h3>{domain.name}</h3>
                <Status status={domain.status} />
                <span className="muted">
                  {domain.verifiedAt === null
                    ? `Added ${formatDate(domain.createdAt, info.user.timeZone)}`
                    : `Verified ${formatDate(domain.verifiedAt, info.user.timeZone)}`}
                </span>
                <div className="domain-actions">
                  <button
                    type="button"
                    aria-expanded={open === domain.id}
                    aria-controls={`records-${domain.id}`}
                    onClick={() => setOpen(open === domain.id ? undefined : domain.id)}
                  >
                    {open === domain.id ? "Hide DNS records" : "Show DNS records"}
                  </button>
                  {domain.verified ? null : (
                    <button type="button" className="primary" onClick={() => void verify(domain)}>
                      Verify {domain.name}
                    </button>
                  )}
                </div>
              </div>
              {domain.dnsWarnings.length === 0 ? null : (
                <ul className="warnings">
                  {domain.dnsWarnings.map((warning) => (
                    <li key={warning}>{warning}</li>
                  ))}
                </ul>
              )}
              <div id={`records-${domain.id}`} hidden={open !== domain.id}>
                {open === domain.id ? <Records domain={domain} /> : null}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
