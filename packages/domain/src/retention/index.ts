export * from "./RetentionPolicy.js"
