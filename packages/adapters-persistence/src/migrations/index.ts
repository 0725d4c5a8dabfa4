import foundation from "./0001_foundation.js"
import domains from "./0002_domains.js"
import dmarcAndIps from "./0003_dmarc_and_ips.js"
import domainVersions from "./0004_domain_versions_and_ip_owners.js"
import emails from "./0005_emails.js"
import webhooks from "./0006_webhooks.js"
import inbound from "./0007_inbound.js"
import tracking from "./0008_tracking.js"
import acceptEmail from "./0009_accept_email.js"
import recordDeliveries from "./0010_record_deliveries.js"
import acceptEmails from "./0011_accept_emails.js"
import acceptEmailsSetBased from "./0012_accept_emails_set_based.js"
import recordDeliveriesSetBased from "./0013_record_deliveries_set_based.js"
import inboundEnvelope from "./0014_inbound_envelope.js"
import pepperedApiKeyHashes from "./0015_peppered_api_key_hashes.js"
import notificationChannels from "./0016_notification_channels.js"
import webhookClaimByEndpoint from "./0020_webhook_claim_by_endpoint.js"
import localVerification from "./0021_local_verification.js"
import webhookClaimSlots from "./0022_webhook_claim_slots.js"
import eventsAsGiven from "./0026_events_as_given.js"
import systemMail from "./0028_system_mail.js"
import accounts from "./0030_accounts.js"
import auditLog from "./0035_audit_log.js"
import apiRequestLog from "./0036_api_request_log.js"
import twoFactor from "./0037_two_factor.js"
import linkedIdentities from "./0038_linked_identities.js"
import signInDevices from "./0039_sign_in_devices.js"
import contacts from "./0040_contacts.js"
import segments from "./0041_segments.js"
import subscriptionTopics from "./0042_subscription_topics.js"
import signupForms from "./0043_signup_forms.js"
import contactEngagementAndSearch from "./0044_contact_engagement_and_search.js"
import templates from "./0045_templates.js"
import plansAndUsage from "./0046_plans_and_usage.js"
import retentionIndexes from "./0048_retention_indexes.js"
import privacyJobs from "./0049_privacy_jobs.js"
import bulkMail from "./0050_bulk_mail.js"
import broadcasts from "./0051_broadcasts.js"
import fairDeliveryClaims from "./0054_fair_delivery_claims.js"
import planBulkRate from "./0055_plan_bulk_rate.js"
import workflows from "./0056_workflows.js"
import acceptChecksSuppressions from "./0059_accept_checks_suppressions.js"
import contactEngagementRollup from "./0061_contact_engagement_rollup.js"
import contactsNewestAscending from "./0062_contacts_newest_ascending.js"
import teamClosure from "./0063_team_closure.js"
import quotaHoldsAndSignupExpiry from "./0066_quota_holds_and_signup_expiry.js"
import broadcastSamples from "./0067_broadcast_samples.js"
import bulkClaimsByMode from "./0069_bulk_claims_by_mode.js"
import workflowWebhookSteps from "./0070_workflow_webhook_steps.js"
import bulkDeletesWithoutRowTriggers from "./0073_bulk_deletes_without_row_triggers.js"
import closedTeamKeysAndUsageShards from "./0074_closed_team_keys_and_usage_shards.js"
import contactEngagementLatest from "./0075_contact_engagement_latest.js"
import broadcastMailHeld from "./0078_broadcast_mail_held.js"
import workflowRunsRoomForHotUpdates from "./0079_workflow_runs_room_for_hot_updates.js"
import deliveryPathPlans from "./0081_delivery_path_plans.js"
import contactsPublicIdCheckWithoutRepetitionCount from "./0086_contacts_public_id_check_without_repetition_count.js"
import workflowRunStepsWithoutRowChecks from "./0089_workflow_run_steps_without_row_checks.js"
import openSignIn from "./0095_open_sign_in.js"
import claimsWhateverTheBacklog from "./0096_claims_whatever_the_backlog.js"
import workflowRunEntry from "./0097_workflow_run_entry.js"
import eventsFannedOutWhenUnwatched from "./0098_events_fanned_out_when_unwatched.js"
import inboundSpam from "./0100_inbound_spam.js"

/** Every migration, by `<number>_<name>`. Forward only: a released migration is never edited. */
export const migrations = {
  "0001_foundation": foundation,
  "0002_domains": domains,
  "0003_dmarc_and_ips": dmarcAndIps,
  "0004_domain_versions_and_ip_owners": domainVersions,
  "0005_emails": emails,
  "0006_webhooks": webhooks,
  "0007_inbound": inbound,
  "0008_tracking": tracking,
  "0009_accept_email": acceptEmail,
  "0010_record_deliveries": recordDeliveries,
  "0011_accept_emails": acceptEmails,
  "0012_accept_emails_set_based": acceptEmailsSetBased,
  "0013_record_deliveries_set_based": recordDeliveriesSetBased,
  "0014_inbound_envelope": inboundEnvelope,
  "0015_peppered_api_key_hashes": pepperedApiKeyHashes,
  "0016_notification_channels": notificationChannels,
  "0020_webhook_claim_by_endpoint": webhookClaimByEndpoint,
  "0021_local_verification": localVerification,
  "0022_webhook_claim_slots": webhookClaimSlots,
  "0026_events_as_given": eventsAsGiven,
  "0028_system_mail": systemMail,
  "0030_accounts": accounts,
  "0035_audit_log": auditLog,
  "0036_api_request_log": apiRequestLog,
  "0037_two_factor": twoFactor,
  "0038_linked_identities": linkedIdentities,
  "0039_sign_in_devices": signInDevices,
  "0040_contacts": contacts,
  "0041_segments": segments,
  "0042_subscription_topics": subscriptionTopics,
  "0043_signup_forms": signupForms,
  "0044_contact_engagement_and_search": contactEngagementAndSearch,
  "0045_templates": templates,
  "0046_plans_and_usage": plansAndUsage,
  "0048_retention_indexes": retentionIndexes,
  "0049_privacy_jobs": privacyJobs,
  "0050_bulk_mail": bulkMail,
  "0051_broadcasts": broadcasts,
  "0054_fair_delivery_claims": fairDeliveryClaims,
  "0055_plan_bulk_rate": planBulkRate,
  "0056_workflows": workflows,
  "0059_accept_checks_suppressions": acceptChecksSuppressions,
  "0061_contact_engagement_rollup": contactEngagementRollup,
  "0062_contacts_newest_ascending": contactsNewestAscending,
  "0063_team_closure": teamClosure,
  "0066_quota_holds_and_signup_expiry": quotaHoldsAndSignupExpiry,
  "0067_broadcast_samples": broadcastSamples,
  "0069_bulk_claims_by_mode": bulkClaimsByMode,
  "0070_workflow_webhook_steps": workflowWebhookSteps,
  "0073_bulk_deletes_without_row_triggers": bulkDeletesWithoutRowTriggers,
  "0074_closed_team_keys_and_usage_shards": closedTeamKeysAndUsageShards,
  "0075_contact_engagement_latest": contactEngagementLatest,
  "0078_broadcast_mail_held": broadcastMailHeld,
  "0079_workflow_runs_room_for_hot_updates": workflowRunsRoomForHotUpdates,
  "0081_delivery_path_plans": deliveryPathPlans,
  "0086_contacts_public_id_check_without_repetition_count": contactsPublicIdCheckWithoutRepetitionCount,
  "0089_workflow_run_steps_without_row_checks": workflowRunStepsWithoutRowChecks,
  "0095_open_sign_in": openSignIn,
  "0096_claims_whatever_the_backlog": claimsWhateverTheBacklog,
  "0097_workflow_run_entry": workflowRunEntry,
  "0098_events_fanned_out_when_unwatched": eventsFannedOutWhenUnwatched,
  "0100_inbound_spam": inboundSpam
}

/** The highest migration number (numbers may have gaps while branches land). */
export const latestMigrationId = Math.max(...Object.keys(migrations).map((id) => Number(id.slice(0, 4))))
