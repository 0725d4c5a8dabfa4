import type { InvitationView, MemberView } from "@poststack/contract"
import { InvitationId, UserId } from "@poststack/domain"
import { useState } from "react"
import { call } from "../api"
import { useCurrentTeam, useSession } from "../session"
import { ErrorMessage, Field, Form, PageTitle, Select, formatDate, useAction } from "../ui"
import { ListTable, Loaded } from "../ListTable"
import { useLoad } from "../useLoad"
import { CloseTeamSection } from "./ClosingSections"

type Role = "owner" | "admin" | "member"
const ROLES: ReadonlyArray<readonly [Role, string]> = [
  ["member", "Member"],
  ["admin", "Admin"],
  ["owner", "Owner"]
]

export const TeamPage = () => {
  const { info, refresh } = useSession()
  const team = useCurrentTeam()
  const teamId = team?.id ?? 0
  const myRole = team?.role ?? "member"
  const canManage = myRole !== "member"
  const members = useLoad(() => call((api) => api.teams.members({ path: { teamId } })))
  const invitations = useLoad(() =>
    canManage ? call((api) => api.teams.invitations({ path: { teamId } })) : Promise.resolve({ data: [] })
  )
  const [email, setEmail] = useState("")
  const [role, setRole] = useState<Role>("member")
  const [invited, setInvited] = useState<string | undefined>()
  const acting = useAction()
  // Admins never touch owners, nor make one.
  const roleChoices = myRole === "owner" ? ROLES : ROLES.filter(([r]) => r !== "owner")

  const invite = async () => {
    const invitation = await call((api) => api.teams.invite({ path: { teamId }, payload: { email, role } }))
    setInvited(`Invitation sent to ${invitation.email}.`)
    setEmail("")
    await invitations.reload()
  }
  const changeRole = (member: MemberView, next: Role) =>
    acting.run(async () => {
      await call((api) =>
        api.teams.changeRole({
          path: { teamId, userId: UserId.make(member.userId) },
          payload: { role: next }
        })
      )
      await members.reload()
      if (member.userId === info.user.id) await refresh()
    })
  const remove = (member: MemberView) =>
    acting.run(async () => {
      const self = member.userId === info.user.id
      if (!window.confirm(self ? `Leave ${team?.name}?` : `Remove ${member.email} from ${team?.name}?`))
        return
      await call((api) => api.teams.removeMember({ path: { teamId, userId: UserId.make(member.userId) } }))
      if (self) await refresh()
      else await members.reload()
    })
  const withdraw = (invitation: InvitationView) =>
    acting.run(async () => {
      await call((api) =>
        api.teams.revokeInvitation({ path: { teamId, id: InvitationId.make(invitation.id) } })
      )
      await invitations.reload()
    })
  const owners = members.data?.data.filter((m) => m.role === "owner").length ?? 0
  const isMe = (member: MemberView) => member.userId === info.user.id
  // Admins never touch owners; nobody changes their own role here; the last owner stays.
  const mayEdit = (member: MemberView) =>
    canManage && !isMe(member) && (myRole === "owner" || member.role !== "owner")
  const mayLeave = (member: MemberView) => isMe(member) && !(member.role === "owner" && owners <= 1)

  return (
    <section>
      <PageTitle>Team: {team?.name}</PageTitle>
      <p className="lead">
        You are {myRole === "admin" ? "an admin" : `the team's ${myRole === "owner" ? "owner" : "member"}`}{" "}
        here.
      </p>
      <h2>Members</h2>
      <ErrorMessage problem={members.problem ?? acting.problem} />
      <Loaded items={members.data?.data}>
        {(rows) => (
          <ListTable
            caption={<>Members of {team?.name}</>}
            hiddenCaption
            columns={["Name", "Email", "Role", "Joined"]}
            actions
          >
            {rows.map((member) => (
              <tr key={member.userId}>
                <th scope="row">{member.name === "" ? "—" : member.name}</th>
                <td>{member.email}</td>
                <td>
                  {mayEdit(member) ? (
                    <Select
                      label={`Role of ${member.email}`}
                      name="role"
                      hideLabel
                      value={member.role}
                      options={member.role === "owner" ? ROLES : roleChoices}
                      onChange={(next) => void changeRole(member, next as Role)}
                    />
                  ) : (
                    <span className={`badge badge-${member.role}`}>
                      {ROLES.find(([r]) => r === member.role)?.[1]}
                    </span>
                  )}
                </td>
                <td>{formatDate(member.joinedAt, info.user.timeZone)}</td>
                <td className="row-actions">
                  {mayEdit(member) || mayLeave(member) ? (
                    <button
                      type="button"
                      className="danger"
                      aria-label={isMe(member) ? "Leave team" : `Remove ${member.email}`}
                      onClick={() => void remove(member)}
                    >
                      {isMe(member) ? "Leave team" : "Remove"}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </ListTable>
        )}
      </Loaded>
      {canManage ? (
        <>
          <Form
            label="Invite a member"
            submit="Send invitation"
            action={invite}
            className="card inline-form"
            heading="Invite someone"
          >
            {invited === undefined ? null : (
              <p className="alert alert-ok" role="status">
                {invited}
              </p>
            )}
            <Field label="Email" name="email" type="email" required value={email} onChange={setEmail} />
            <Select
              label="Role"
              name="role"
              value={role}
              options={roleChoices}
              onChange={(v) => setRole(v as Role)}
            />
          </Form>
          <h2>Invitations</h2>
          <ErrorMessage problem={invitations.problem} />
          <Loaded items={invitations.data?.data} empty="No invitations yet.">
            {(rows) => (
              <ListTable
                caption={<>Invitations to {team?.name}</>}
                hiddenCaption
                columns={["Email", "Role", "Status", "Expires"]}
                actions
              >
                {rows.map((invitation) => (
                  <tr key={invitation.id}>
                    <th scope="row">{invitation.email}</th>
                    <td>{ROLES.find(([r]) => r === invitation.role)?.[1]}</td>
                    <td>
                      <span className={`badge badge-${invitation.status}`}>{invitation.status}</span>
                    </td>
                    <td>{formatDate(invitation.expiresAt, info.user.timeZone)}</td>
                    <td className="row-actions">
                      {invitation.status === "pending" ? (
                        <button
                          type="button"
                          aria-label={`Withdraw the invitation to ${invitation.email}`}
                          onClick={() => void withdraw(invitation)}
                        >
                          Withdraw
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </ListTable>
            )}
          </Loaded>
        </>
      ) : null}
      {myRole === "owner" && team !== undefined ? (
        <CloseTeamSection teamId={teamId} teamName={team.name} />
      ) : null}
    </section>
  )
}
