export * from "./SignupForm.js"
export * from "./SignupFormErrors.js"
export * from "./Submission.js"
