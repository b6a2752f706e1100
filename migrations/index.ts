/**
 * Every committed migration, oldest first. `npm run migration:create` writes a new file here;
 * add its class to this list (explicit, so no loader has to discover .ts files at run time).
 */
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122224733_initial } from './Migration20261122224733_initial.js';
import { Migration20261122230359_inbound } from './Migration20261122230359_inbound.js';
import { Migration20261123010000_routing } from './Migration20261123010000_routing.js';
import { Migration20261123020000_api } from './Migration20261123020000_api.js';
import { Migration20261123030000_outbound } from './Migration20261123030000_outbound.js';
import { Migration20261128040000_routing_admin } from './Migration20261128040000_routing_admin.js';
import { Migration20261128050000_sender_auth } from './Migration20261128050000_sender_auth.js';
import { Migration20261128060000_refetch } from './Migration20261128060000_refetch.js';
import { Migration20261130010000_answered_lookup } from './Migration20261130010000_answered_lookup.js';
import { Migration20261130030000_uploads } from './Migration20261130030000_uploads.js';
import { Migration20261130040000_organizations } from './Migration20261130040000_organizations.js';
import { Migration20261130050000_fields_and_merges } from './Migration20261130050000_fields_and_merges.js';
import { Migration20261201010000_quarantine_triage } from './Migration20261201010000_quarantine_triage.js';
import { Migration20261201020000_response_times } from './Migration20261201020000_response_times.js';
import { Migration20261201030000_reply_reminders } from './Migration20261201030000_reply_reminders.js';
import { Migration20261201040000_blocked_senders } from './Migration20261201040000_blocked_senders.js';
import { Migration20261201050000_queue_signature } from './Migration20261201050000_queue_signature.js';
import { Migration20261201060000_snooze } from './Migration20261201060000_snooze.js';
import { Migration20261201070000_business_hours } from './Migration20261201070000_business_hours.js';
import { Migration20261201080000_satisfaction } from './Migration20261201080000_satisfaction.js';
import { Migration20261201090000_saved_replies } from './Migration20261201090000_saved_replies.js';
import { Migration20261201100000_sender_window } from './Migration20261201100000_sender_window.js';
import { Migration20261201110000_quarantine_summary } from './Migration20261201110000_quarantine_summary.js';
import { Migration20261201120000_queue_business_hours } from './Migration20261201120000_queue_business_hours.js';
import { Migration20261201130000_quarantine_envelope } from './Migration20261201130000_quarantine_envelope.js';
import { Migration20261201140000_queue_acknowledgement_note } from './Migration20261201140000_queue_acknowledgement_note.js';
import { Migration20261201150000_delivery_from_address } from './Migration20261201150000_delivery_from_address.js';
import { Migration20261201160000_message_read_at } from './Migration20261201160000_message_read_at.js';
import { Migration20261201170000_relay_message_id } from './Migration20261201170000_relay_message_id.js';
import { Migration20261202090000_languages } from './Migration20261202090000_languages.js';
import { Migration20261202100000_delivery_thread } from './Migration20261202100000_delivery_thread.js';

export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261122224733_initial', class: Migration20261122224733_initial },
  { name: 'Migration20261122230359_inbound', class: Migration20261122230359_inbound },
  { name: 'Migration20261123010000_routing', class: Migration20261123010000_routing },
  { name: 'Migration20261123020000_api', class: Migration20261123020000_api },
  { name: 'Migration20261123030000_outbound', class: Migration20261123030000_outbound },
  { name: 'Migration20261128040000_routing_admin', class: Migration20261128040000_routing_admin },
  { name: 'Migration20261128050000_sender_auth', class: Migration20261128050000_sender_auth },
  { name: 'Migration20261128060000_refetch', class: Migration20261128060000_refetch },
  { name: 'Migration20261130010000_answered_lookup', class: Migration20261130010000_answered_lookup },
  { name: 'Migration20261130030000_uploads', class: Migration20261130030000_uploads },
  { name: 'Migration20261130040000_organizations', class: Migration20261130040000_organizations },
  { name: 'Migration20261130050000_fields_and_merges', class: Migration20261130050000_fields_and_merges },
  { name: 'Migration20261201010000_quarantine_triage', class: Migration20261201010000_quarantine_triage },
  { name: 'Migration20261201020000_response_times', class: Migration20261201020000_response_times },
  { name: 'Migration20261201030000_reply_reminders', class: Migration20261201030000_reply_reminders },
  { name: 'Migration20261201040000_blocked_senders', class: Migration20261201040000_blocked_senders },
  { name: 'Migration20261201050000_queue_signature', class: Migration20261201050000_queue_signature },
  { name: 'Migration20261201060000_snooze', class: Migration20261201060000_snooze },
  { name: 'Migration20261201070000_business_hours', class: Migration20261201070000_business_hours },
  { name: 'Migration20261201080000_satisfaction', class: Migration20261201080000_satisfaction },
  { name: 'Migration20261201090000_saved_replies', class: Migration20261201090000_saved_replies },
  { name: 'Migration20261201100000_sender_window', class: Migration20261201100000_sender_window },
  { name: 'Migration20261201110000_quarantine_summary', class: Migration20261201110000_quarantine_summary },
  { name: 'Migration20261201120000_queue_business_hours', class: Migration20261201120000_queue_business_hours },
  { name: 'Migration20261201130000_quarantine_envelope', class: Migration20261201130000_quarantine_envelope },
  { name: 'Migration20261201140000_queue_acknowledgement_note', class: Migration20261201140000_queue_acknowledgement_note },
  { name: 'Migration20261201150000_delivery_from_address', class: Migration20261201150000_delivery_from_address },
  { name: 'Migration20261201160000_message_read_at', class: Migration20261201160000_message_read_at },
  { name: 'Migration20261201170000_relay_message_id', class: Migration20261201170000_relay_message_id },
  { name: 'Migration20261202090000_languages', class: Migration20261202090000_languages },
  { name: 'Migration20261202100000_delivery_thread', class: Migration20261202100000_delivery_thread },
];
