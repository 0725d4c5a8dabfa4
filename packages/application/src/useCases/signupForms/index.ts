export * from "./ConfirmSignup.js"
export * from "./confirmationLink.js"
export * from "./ManageSignupForms.js"
export * from "./SubmitSignupForm.js"
