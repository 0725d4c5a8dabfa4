import type { Role } from "@poststack/domain"
import type { SystemMessage } from "./SendSystemMail.js"

/** The texts of the product's own mails; links are built by the caller from the public URL. */
export const mails = {
  verify: (to: string, link: string): SystemMessage => ({
    to,
    subject: "Welcome to PostStack: confirm your email address",
    text: `Welcome to PostStack.\n\nConfirm your email address to finish signing up:\n\n${link}\n\nThe link works once, for 48 hours. If you did not sign up, ignore this mail.\n`
  }),
  alreadyRegistered: (to: string, signInLink: string, resetLink: string): SystemMessage => ({
    to,
    subject: "Someone tried to sign up with your address",
    text: `Someone (maybe you) tried to create a PostStack account with this address, which already has one.\n\nSign in: ${signInLink}\nForgot your password? ${resetLink}\n\nIf it was not you, nothing has changed and you can ignore this mail.\n`
  }),
  reset: (to: string, link: string): SystemMessage => ({
    to,
    subject: "Reset your PostStack password",
    text: `Choose a new password for your PostStack account:\n\n${link}\n\nThe link works once, for one hour. Resetting ends every session of the account. If you did not ask for this, ignore this mail.\n`
  }),
  securityNotice: (to: string, what: string, when: Date, timeZone: string): SystemMessage => ({
    to,
    subject: `Security notice: ${what}`,
    text: `${what} on your PostStack account on ${when.toLocaleString("en-GB", { timeZone, timeZoneName: "short" })}.\n\nEvery other session was signed out. If this was not you, reset your password at once and check your team's API keys.\n`
  }),
  twoFactorNotice: (to: string, what: string, when: Date, timeZone: string): SystemMessage => ({
    to,
    subject: `Security notice: ${what}`,
    text: `${what} on your PostStack account on ${when.toLocaleString("en-GB", { timeZone, timeZoneName: "short" })}.\n\nIf this was not you, reset your password at once, sign out every session and check your team's API keys.\n`
  }),
  newSignIn: (to: string, browser: string, address: string, when: Date, timeZone: string): SystemMessage => ({
    to,
    subject: "Security notice: a new sign-in to your PostStack account",
    text: `Your PostStack account was signed in to from a device we have not seen before:\n\n  Browser: ${browser}\n  Address: ${address}\n  When: ${when.toLocaleString("en-GB", { timeZone, timeZoneName: "short" })}\n\nIf this was you, there is nothing to do. If it was not, reset your password at once, sign out every session (Account, Sessions) and check your team's API keys.\n`
  }),
  confirmNewEmail: (to: string, link: string): SystemMessage => ({
    to,
    subject: "Confirm your new PostStack email address",
    text: `Confirm this address as the one you sign in to PostStack with:\n\n${link}\n\nThe link works once, for 24 hours.\n`
  }),
  invitation: (to: string, teamName: string, role: Role, inviter: string, link: string): SystemMessage => ({
    to,
    subject: `You are invited to join ${teamName} on PostStack`,
    text: `${inviter} invited you to join the team "${teamName}" on PostStack as ${role === "admin" ? "an admin" : `a ${role}`}.\n\nAccept the invitation (sign up or sign in first, with any address):\n\n${link}\n\nThe link works once, for seven days.\n`
  })
}
