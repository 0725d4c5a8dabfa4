import type { DomainView, InboundEmailView } from "@poststack/contract"
import { useEffect, useState } from "react"
import { call } from "../api"
import { ListTable } from "../ListTable"
import { navigate, usePlace } from "../router"
import { useSession } from "../session"
import { ErrorMessage, Link, Notice, PageTitle, Select, formatDate, useAction, visibleText } from "../ui"
import { useLoad } from "../useLoad"
import { InboundMessage } from "./InboundMessage"
import { Pager } from "./LogPages"

const PER_PAGE = 25

const domainRef = (domain: DomainView) => ({ id: { _tag: "Public" as const, publicId: domain.publicId } })

/** A sender as a person reads it: the name, else the address. */
export const senderText = (e: InboundEmailView) =>
  visibleText(e.fromName === null || e.fromName === "" ? e.fromAddress : `${e.fromName} <${e.fromAddress}>`)

/** A spam filter's points as the dashboard writes them. */
export const spamScoreText = (score: number | null) => (score === null ? "" : String(score))

/** The red mark of a message the spam filter judged spam, with its points; nothing for any other. */
export const SpamBadge = ({ email }: { readonly email: InboundEmailView }) =>
  email.spamVerdict !== "spam" ? null : (
    <span className="badge badge-failed">
      Spam{email.spamScore === null ? "" : ` ${spamScoreText(email.spamScore)}`}
    </span>
  )

/**
 * Which of the team's domains take mail, and the way to make one take it: a verified domain's
 * receiving switch, then the MX record it asks for.
 */
const ReceivingDomains = ({
  domains,
  onChanged
}: {
  readonly domains: ReadonlyArray<DomainView>
  readonly onChanged: () => void
}) => {
  const acting = useAction()
  const receiving = domains.filter((d) => d.inboundEnabled)
  const verified = domains.filter((d) => d.verified && !d.inboundEnabled)
  const turnOn = (domain: DomainView) =>
    acting.run(async () => {
      await call((api) => api.domains.update({ path: domainRef(domain), payload: { inboundEnabled: true } }))
      onChanged()
    })
  return (
    <section className="card" aria-labelledby="receiving-title">
      <h2 id="receiving-title">Where mail is received</h2>
      <ErrorMessage problem={acting.problem} />
      {domains.length === 0 ? (
        <p>
          Add a domain and verify it on the <Link href="/app/domains">Domains</Link> page first: only a
          verified domain of yours can receive mail.
        </p>
      ) : null}
      {receiving.length === 0 ? null : (
        <ul className="inbound-domains">
          {receiving.map((d) => {
            const mx = d.dnsRecords.find((r) => r.purpose === "mx")
            return (
              <li key={d.publicId}>
                <strong>{d.name}</strong>{" "}
                <span className={`badge ${mx?.verified === false ? "badge-pending" : "badge-verified"}`}>
                  {mx?.verified === false ? "MX record not seen yet" : "Receiving"}
                </span>
                {mx === undefined ? null : (
                  <p className="hint">
                    MX record: <code className="wrap">{mx.name}</code> priority {mx.priority ?? 10} pointing
                    at <code className="wrap">{mx.value}</code>
                  </p>
                )}
              </li>
            )
          })}
        </ul>
      )}
      {verified.length === 0 ? null : (
        <>
          <p className="hint">
            Turn receiving on for a verified domain, then publish the MX record it shows at your DNS provider.
            Mail to any address at the domain then lands here.
          </p>
          <ul className="inbound-domains">
            {verified.map((d) => (
              <li key={d.publicId}>
                <strong>{d.name}</strong>{" "}
                <button type="button" onClick={() => void turnOn(d)} aria-label={`Receive mail at ${d.name}`}>
                  Receive mail here
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {domains.length > 0 && receiving.length === 0 && verified.length === 0 ? (
        <p>
          None of your domains is verified yet. Verify one on the <Link href="/app/domains">Domains</Link>{" "}
          page, then turn receiving on here.
        </p>
      ) : null}
    </section>
  )
}

interface Query {
  readonly domain: string
  readonly page: number
}

const load = (q: Query) =>
  call((api) =>
    api.inbound.list({
      urlParams: { page: q.page, perPage: PER_PAGE, ...(q.domain === "" ? {} : { domain: q.domain }) }
    })
  )

const InboundList = ({ notice }: { readonly notice: string | undefined }) => {
  const { info } = useSession()
  const domains = useLoad(() => call((api) => api.domains.list()))
  const [query, setQuery] = useState<Query>({ domain: "", page: 1 })
  const [data, setData] = useState<Awaited<ReturnType<typeof load>> | undefined>()
  const acting = useAction()
  const refresh = (next: Query) =>
    acting.run(async () => {
      setQuery(next)
      setData(await load(next))
    })
  // biome-ignore lint/correctness/useExhaustiveDependencies: the first page loads once; later ones on request.
  useEffect(() => {
    void refresh(query)
  }, [])
  const all = domains.data?.domains ?? []
  const receiving = all.filter((d) => d.inboundEnabled)
  const open = (e: InboundEmailView) => `/app/inbound?id=${e.id}`

  return (
    <section>
      <PageTitle>Received mail</PageTitle>
      <p className="lead">
        Mail sent to your domains, newest first. Each recipient at your domains gets a copy of its own.
      </p>
      {notice === undefined ? null : <Notice>{notice}</Notice>}
      <ErrorMessage problem={domains.problem ?? acting.problem} />
      {receiving.length > 1 ? (
        <fieldset className="filters">
          <legend>Filter received mail</legend>
          <Select
            label="Domain"
            name="domain"
            value={query.domain}
            options={[["", "All domains"], ...receiving.map((d) => [d.name, d.name] as const)]}
            onChange={(domain) => void refresh({ domain, page: 1 })}
          />
        </fieldset>
      ) : null}
      {data === undefined ? (
        <p role="status">Loading…</p>
      ) : data.data.length === 0 ? (
        <p className="muted">
          {query.domain === ""
            ? "Nothing received yet. Once a domain receives mail (below), every message sent to it appears here."
            : `Nothing received at ${query.domain} yet.`}
        </p>
      ) : (
        <>
          <div className="inbound-stack">
            <ListTable
              caption={`${data.meta.total} message${data.meta.total === 1 ? "" : "s"}`}
              columns={["From", "To", "Subject", "Received"]}
            >
              {data.data.map((e) => (
                <tr key={e.id}>
                  <td className="inbound-from">
                    {e.fromName === null || e.fromName === "" ? null : (
                      <strong>{visibleText(e.fromName)}</strong>
                    )}
                    <span className="muted">{e.fromAddress}</span>
                  </td>
                  <td className="inbound-to">{e.toAddress}</td>
                  <td className="inbound-subject">
                    <Link href={open(e)}>
                      {e.subject === null || e.subject === "" ? "(no subject)" : visibleText(e.subject)}
                    </Link>
                    {e.attachmentCount === 0 ? null : (
                      <span className="badge">
                        {e.attachmentCount} attachment{e.attachmentCount === 1 ? "" : "s"}
                      </span>
                    )}
                    <SpamBadge email={e} />
                  </td>
                  <td className="when">{formatDate(e.createdAt, info.user.timeZone)}</td>
                </tr>
              ))}
            </ListTable>
          </div>
          <Pager label="Received mail" meta={data.meta} onPage={(page) => void refresh({ ...query, page })} />
        </>
      )}
      {domains.data === undefined ? null : (
        <ReceivingDomains domains={all} onChanged={() => void domains.reload()} />
      )}
    </section>
  )
}

/** `/app/inbound`: the list, or one message when the address names it (`?id=`). */
export const InboundPage = () => {
  const place = usePlace()
  const id = place.search.get("id")
  const [notice, setNotice] = useState<string | undefined>()
  // A deletion's notice is for the list it lands on, not for the next visit to it.
  useEffect(() => {
    if (id !== null) setNotice(undefined)
  }, [id])
  if (id !== null && /^[1-9][0-9]{0,15}$/.test(id)) {
    return (
      <InboundMessage
        key={id}
        id={Number(id)}
        onDeleted={(text) => {
          setNotice(text)
          navigate("/app/inbound")
        }}
      />
    )
  }
  return <InboundList notice={notice} />
}
