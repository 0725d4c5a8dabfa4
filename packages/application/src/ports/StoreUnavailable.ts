/** Declared in the domain so the HTTP contract can name it on the wire without the application. */
export { StoreUnavailable } from "@poststack/domain"
