/** The reference page's prose for the account routes (see `OpenApiDocs.ts`). */
export const accountOperations: Readonly<Record<string, readonly [summary: string, description: string]>> = {
  "auth.signUp": [
    "Sign up",
    "Creates an account with its own team and mails a verification link. Always 202 with the same message, whether or not the address already has an account (then its owner gets a mail saying so)."
  ],
  "auth.resendVerification": [
    "Resend the verification mail",
    "Always 202; a new link goes out only to an unverified account."
  ],
  "auth.verifyEmail": [
    "Verify an email address",
    "Takes the token of a verification link (single use, 48 hours)."
  ],
  "auth.signIn": [
    "Sign in",
    "Checks email and password, sets the session cookie (`__Host-poststack_session`, HttpOnly, Secure, SameSite=Lax, 24 hours) and answers the CSRF token every state-changing request with the cookie must send as `X-CSRF-Token`. Wrong email and wrong password answer alike; ten attempts per account per 15 minutes."
  ],
  "auth.requestPasswordReset": [
    "Request a password reset",
    "Always 202; a link (single use, one hour) goes out only if the address has an account."
  ],
  "auth.resetPassword": [
    "Reset the password",
    "Takes the reset link's token and a new password; ends every session of the account."
  ],
  "auth.confirmEmailChange": [
    "Confirm a new email address",
    "Takes the token mailed to the new address; ends every other session."
  ],
  "sessions.current": [
    "Current session",
    "The signed-in person, their teams, this session and its CSRF token."
  ],
  "sessions.signOut": ["Sign out", "Ends this session and clears the cookie."],
  "sessions.selectTeam": [
    "Select a team",
    "The session acts on this team (one of the person's) from now on."
  ],
  "sessions.list": [
    "List sessions",
    "The person's live sessions: device, address, when opened and last seen."
  ],
  "sessions.signOutEverywhere": [
    "Sign out everywhere",
    "Ends every session of the person, this one included."
  ],
  "sessions.revoke": ["Revoke a session", "Ends one of the person's sessions."],
  "account.get": ["Get the account", "The signed-in person's profile and teams."],
  "account.update": ["Update the account", "Changes the display name and time zone."],
  "account.changePassword": [
    "Change the password",
    "Needs the current password; ends every other session and mails a security notice."
  ],
  "account.changeEmail": [
    "Change the email address",
    "Needs the password; mails a confirmation link to the new address. Nothing changes until it is followed."
  ],
  "teams.list": ["List teams", "The person's teams with their role in each."],
  "teams.create": ["Create a team", "A new team owned by the person."],
  "teams.members": ["List members", "The team's members and roles; any member may read it."],
  "teams.changeRole": [
    "Change a role",
    "Owners and admins; only an owner makes or unmakes owners; a team always keeps an owner."
  ],
  "teams.removeMember": [
    "Remove a member",
    "Owners and admins remove others; anyone may leave; the last owner cannot."
  ],
  "teams.invitations": ["List invitations", "The team's invitation history; owners and admins."],
  "teams.invite": [
    "Invite a member",
    "Mails a link (single use, seven days) that adds its holder to the team with the role."
  ],
  "teams.revokeInvitation": ["Revoke an invitation", "The pending invitation's link stops working."],
  "teams.acceptInvitation": [
    "Accept an invitation",
    "Joins the team an invitation link names, as the signed-in person."
  ]
}

/** Operations that act as an API key (they record the key): a session is refused there. */
export const keyOnlyOperations: ReadonlySet<string> = new Set([
  "emails.send",
  "emails.sendAlias",
  "emails.batch",
  "inbound.reply",
  "inbound.forward"
])

export const SESSION_AUTH =
  "The dashboard's session cookie, set by `POST /auth/sign-in`. State-changing requests made with it must carry the session's CSRF token in `X-CSRF-Token`. API keys cannot reach `/auth/session*`, `/account` or `/teams`."
