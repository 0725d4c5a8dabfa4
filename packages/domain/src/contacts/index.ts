export * from "./Contact.js"
export * from "./ContactErrors.js"
export * from "./Property.js"
export * from "./Csv.js"
