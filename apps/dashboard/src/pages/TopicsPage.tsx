import type { TopicView } from "@poststack/contract"
import type { TopicPublicId } from "@poststack/domain"
import { useState } from "react"
import { call } from "../api"
import { useSession } from "../session"
import { ErrorMessage, Field, Form, PageTitle, formatDate, useAction } from "../ui"
import { ListTable, Loaded } from "../ListTable"
import { useLoad } from "../useLoad"

/** The topics with how many contacts are in each and how many left it. */
const loadTopics = async () => {
  const { topics } = await call((api) => api.subscriptionTopics.list())
  return Promise.all(
    topics.map((topic) =>
      call((api) => api.subscriptionTopics.get({ path: { id: topic.publicId as TopicPublicId } })).then(
        (got) => ({
          topic,
          subscribers: got.subscriberCount,
          unsubscribed: got.unsubscribedCount
        })
      )
    )
  )
}

const EditTopic = ({ topic, onDone }: { readonly topic: TopicView; readonly onDone: () => void }) => {
  const [name, setName] = useState(topic.name)
  const [description, setDescription] = useState(topic.description ?? "")
  return (
    <Form
      label={`Edit ${topic.name}`}
      heading={`Edit ${topic.name}`}
      submit="Save topic"
      className="card"
      action={async () => {
        await call((api) =>
          api.subscriptionTopics.update({
            path: { id: topic.publicId as TopicPublicId },
            payload: { name, description: description === "" ? null : description }
          })
        )
        onDone()
      }}
    >
      <Field label="Name" name="name" required maxLength={200} value={name} onChange={setName} />
      <Field
        label="Description"
        name="description"
        maxLength={1000}
        value={description}
        onChange={setDescription}
      />
    </Form>
  )
}

export const TopicsPage = () => {
  const { info } = useSession()
  const topics = useLoad(loadTopics)
  const [name, setName] = useState("")
  const [description, setDescription] = useState("")
  const [editing, setEditing] = useState<string | undefined>()
  const acting = useAction()

  const create = async () => {
    await call((api) =>
      api.subscriptionTopics.create({ payload: { name, ...(description === "" ? {} : { description }) } })
    )
    setName("")
    setDescription("")
    await topics.reload()
  }

  return (
    <section>
      <PageTitle>Subscription topics</PageTitle>
      <p className="lead">
        What your marketing mail is about. Every contact receives every topic until they leave it from the
        preference page their emails link to.
      </p>
      <Form label="Add a topic" heading="Add a topic" submit="Add topic" action={create} className="card">
        <Field label="Name" name="name" required maxLength={200} value={name} onChange={setName} />
        <Field
          label="Description"
          name="description"
          maxLength={1000}
          hint="Shown to contacts on the preference page"
          value={description}
          onChange={setDescription}
        />
      </Form>
      <ErrorMessage problem={topics.problem ?? acting.problem} />
      <Loaded items={topics.data} empty="No topics yet.">
        {(rows) => (
          <ListTable
            caption="Topics"
            columns={["Name", "Description", "Subscribers", "Unsubscribed", "Created"]}
            actions
          >
            {rows.map(({ topic, subscribers, unsubscribed }) => (
              <tr key={topic.publicId}>
                <td>{topic.name}</td>
                <td>{topic.description ?? ""}</td>
                <td>{subscribers}</td>
                <td>{unsubscribed}</td>
                <td>{formatDate(topic.createdAt, info.user.timeZone)}</td>
                <td>
                  <button
                    type="button"
                    aria-label={`Edit ${topic.name}`}
                    onClick={() => setEditing(topic.publicId)}
                  >
                    Edit
                  </button>{" "}
                  <button
                    type="button"
                    aria-label={`Delete ${topic.name}`}
                    onClick={() =>
                      void acting.run(async () => {
                        if (
                          !window.confirm(`Delete ${topic.name}? Contacts stay; their choices about it go.`)
                        )
                          return
                        await call((api) =>
                          api.subscriptionTopics.delete({ path: { id: topic.publicId as TopicPublicId } })
                        )
                        await topics.reload()
                      })
                    }
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </ListTable>
        )}
      </Loaded>
      {editing === undefined || topics.data === undefined
        ? null
        : topics.data
            .filter(({ topic }) => topic.publicId === editing)
            .map(({ topic }) => (
              <EditTopic
                key={topic.publicId}
                topic={topic}
                onDone={() => {
                  setEditing(undefined)
                  void topics.reload()
                }}
              />
            ))}
    </section>
  )
}
