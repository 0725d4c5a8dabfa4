import { HttpApi, OpenApi } from "@effect/platform"
import { AccountApi } from "./groups/AccountApi.js"
import { ApiKeysApi } from "./groups/ApiKeysApi.js"
import { AuditLogApi } from "./groups/AuditLogApi.js"
import { AuthApi } from "./groups/AuthApi.js"
import { BillingApi, BillingWebhookApi } from "./groups/BillingApi.js"
import { PrivacyApi } from "./groups/PrivacyApi.js"
import { ContactPropertiesApi } from "./groups/ContactPropertiesApi.js"
import { ContactsApi } from "./groups/ContactsApi.js"
import { SegmentsApi } from "./groups/SegmentsApi.js"
import { DomainsApi } from "./groups/DomainsApi.js"
import { EmailPreviewsApi } from "./groups/EmailPreviewsApi.js"
import { EmailsApi } from "./groups/EmailsApi.js"
import { EmailValidationsApi } from "./groups/EmailValidationsApi.js"
import { GitHubAccountApi, GitHubAuthApi } from "./groups/GitHubApi.js"
import { HealthApi } from "./groups/HealthApi.js"
import { WebhooksApi } from "./groups/WebhooksApi.js"
import { InboundApi } from "./groups/InboundApi.js"
import { NotificationChannelsApi } from "./groups/NotificationChannelsApi.js"
import { RequestLogsApi } from "./groups/RequestLogsApi.js"
import { SessionsApi } from "./groups/SessionsApi.js"
import { SignupFormsApi, SignupFormSubmitApi } from "./groups/SignupFormsApi.js"
import { SubscriptionTopicsApi } from "./groups/SubscriptionTopicsApi.js"
import { SuppressionsApi } from "./groups/SuppressionsApi.js"
import { TeamsApi } from "./groups/TeamsApi.js"
import { TemplatesApi } from "./groups/TemplatesApi.js"
import { TrackingApi } from "./groups/TrackingApi.js"
import { TwoFactorApi } from "./groups/TwoFactorApi.js"
import { describeOperations } from "./OpenApiDocs.js"

/** The PostStack public API as one value: routing, validation, OpenAPI and the docs page come from it. */
export class Api extends HttpApi.make("poststack")
  .add(HealthApi)
  .add(ApiKeysApi)
  .add(DomainsApi)
  .add(EmailPreviewsApi)
  .add(EmailsApi)
  .add(WebhooksApi)
  .add(InboundApi)
  .add(SuppressionsApi)
  .add(TrackingApi)
  .add(EmailValidationsApi)
  .add(NotificationChannelsApi)
  .add(AuditLogApi)
  .add(RequestLogsApi)
  .add(AuthApi)
  .add(SessionsApi)
  .add(AccountApi)
  .add(TwoFactorApi)
  .add(GitHubAuthApi)
  .add(GitHubAccountApi)
  .add(TeamsApi)
  .add(ContactsApi)
  .add(ContactPropertiesApi)
  .add(BillingApi)
  .add(BillingWebhookApi)
  .add(PrivacyApi)
  .add(SignupFormsApi)
  .add(SignupFormSubmitApi)
  .add(SubscriptionTopicsApi)
  .add(TemplatesApi)
  .add(SegmentsApi)
  .annotate(OpenApi.Title, "PostStack API")
  .annotate(OpenApi.Version, "0.1.0")
  .annotate(OpenApi.Description, "Transactional, marketing and inbound email, self-hosted.")
  .annotate(OpenApi.Transform, (spec) => describeOperations(rewriteDecodeError(spec))) {}

/** HttpApi documents its own decode-error shape; ours is `{ error, code: "invalid_request" }`. */
function rewriteDecodeError(spec: Record<string, unknown>): Record<string, unknown> {
  const components = spec.components as { schemas: Record<string, unknown> } | undefined
  if (components?.schemas !== undefined) {
    components.schemas.HttpApiDecodeError = {
      type: "object",
      required: ["error", "code"],
      additionalProperties: false,
      properties: { error: { type: "string" }, code: { type: "string", enum: ["invalid_request"] } }
    }
    delete components.schemas.Issue
    delete components.schemas.PropertyKey
  }
  return spec
}
