export * from "./EmailValidation.js"
