export * from "./DataSubject.js"
