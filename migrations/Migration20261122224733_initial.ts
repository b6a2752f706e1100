import { Migration } from '@mikro-orm/migrations';

export class Migration20261122224733_initial extends Migration {

  override name = 'Migration20261122224733_initial';

  override up(): void | Promise<void> {
    // Full-text search: 'simple' (no stemming, so any language works) over unaccented text, so
    // accents and case are ignored. The wrapper is IMMUTABLE so generated columns may use it.
    this.addSql(`create extension if not exists unaccent;`);
    this.addSql(`create function postdesk_search_vector(text) returns tsvector language sql immutable parallel safe as $$ select to_tsvector('simple', public.unaccent('public.unaccent'::regdictionary, coalesce($1, ''))) $$;`);
    // Ticket numbers come from a sequence: unique, never reused, safe with several instances.
    this.addSql(`create sequence "ticket_number_seq" start 1;`);
    this.addSql(`create type "role" as enum ('ADMIN', 'AGENT');`);
    this.addSql(`create type "ticket_status" as enum ('OPEN', 'IN_PROGRESS', 'WAITING_FOR_CUSTOMER', 'PENDING_APPROVAL', 'CLOSED');`);
    this.addSql(`create type "priority" as enum ('LOW', 'NORMAL', 'HIGH', 'URGENT');`);
    this.addSql(`create type "ticket_type" as enum ('INCIDENT', 'PROBLEM', 'CHANGE', 'QUESTION');`);
    this.addSql(`create type "message_direction" as enum ('INBOUND', 'OUTBOUND', 'NOTE');`);
    this.addSql(`create type "door" as enum ('IMAP', 'SMTP', 'PIPE', 'API');`);
    this.addSql(`create type "delivery_status" as enum ('QUEUED', 'SENT', 'FAILED');`);
    this.addSql(`create table "mailbox_state" ("name" varchar(64) not null, "uid_validity" bigint null, "highest_uid" bigint not null default '0', "updated_at" timestamptz not null, primary key ("name"));`);

    this.addSql(`create table "person" ("id" serial primary key, "email" varchar(320) not null, "name" varchar(200) null, "role" "role" null, "active" boolean not null, "watch_opt_out" boolean not null, "created_at" timestamptz not null);`);
    this.addSql(`alter table "person" add constraint "person_email_unique" unique ("email");`);

    this.addSql(`create table "category" ("id" serial primary key, "name" varchar(100) not null, "requires_approval" boolean not null default false, "approver_id" int null, "created_at" timestamptz not null);`);
    this.addSql(`alter table "category" add constraint "category_name_unique" unique ("name");`);

    this.addSql(`create table "api_token" ("id" serial primary key, "token_hash" varchar(64) not null, "prefix" varchar(16) not null, "role" "role" not null, "person_id" int not null, "label" varchar(100) null, "created_at" timestamptz not null, "last_used_at" timestamptz null, "revoked_at" timestamptz null);`);
    this.addSql(`alter table "api_token" add constraint "api_token_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "api_token_person_id_index" on "api_token" ("person_id");`);

    this.addSql(`create table "queue" ("id" serial primary key, "name" varchar(100) not null, "email_address" varchar(320) null, "keywords" text[] not null, "default_assignee_id" int null, "auto_close_days" int null, "escalation_address" varchar(320) null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "queue" add constraint "queue_name_unique" unique ("name");`);
    this.addSql(`alter table "queue" add constraint "queue_email_address_unique" unique ("email_address");`);

    this.addSql(`create table "queue_agent" ("queue_id" int not null, "person_id" int not null, primary key ("queue_id", "person_id"));`);

    this.addSql(`create table "queue_watcher" ("queue_id" int not null, "person_id" int not null, primary key ("queue_id", "person_id"));`);

    this.addSql(`create table "raw_source" ("id" serial primary key, "sha256" varchar(64) not null, "size" int not null, "content" bytea not null, "received_at" timestamptz not null);`);
    this.addSql(`create index "raw_source_sha256_index" on "raw_source" ("sha256");`);

    this.addSql(`create table "rule" ("id" serial primary key, "name" varchar(200) not null, "position" int not null, "enabled" boolean not null default true, "conditions" jsonb not null, "actions" jsonb not null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "rule" add constraint "rule_name_unique" unique ("name");`);
    this.addSql(`create index "rule_position_index" on "rule" ("position");`);

    this.addSql(`create table "ticket" ("id" serial primary key, "number" int not null default nextval('ticket_number_seq'), "subject" text not null, "status" "ticket_status" not null default 'OPEN', "priority" "priority" not null default 'NORMAL', "type" "ticket_type" not null default 'QUESTION', "category_id" int null, "queue_id" int null, "requester_id" int not null, "assignee_id" int null, "linked_to_id" int null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "closed_at" timestamptz null, "search_vector" tsvector generated always as (postdesk_search_vector(subject)) stored null);`);
    this.addSql(`alter table "ticket" add constraint "ticket_number_unique" unique ("number");`);
    this.addSql(`alter sequence "ticket_number_seq" owned by "ticket"."number";`);
    this.addSql(`create index "ticket_linked_to_id_index" on "ticket" ("linked_to_id");`);
    this.addSql(`create index "ticket_status_index" on "ticket" ("status");`);
    this.addSql(`create index "ticket_requester_id_index" on "ticket" ("requester_id");`);
    this.addSql(`create index "ticket_assignee_id_index" on "ticket" ("assignee_id");`);
    this.addSql(`create index "ticket_search_idx" on "ticket" using gin ("search_vector");`);
    this.addSql(`create index "ticket_created_at_idx" on "ticket" ("created_at");`);
    this.addSql(`create index "ticket_updated_at_idx" on "ticket" ("updated_at");`);
    this.addSql(`create index "ticket_queue_status_idx" on "ticket" ("queue_id", "status");`);

    this.addSql(`create table "message" ("id" serial primary key, "ticket_id" int not null, "direction" "message_direction" not null, "author_id" int null, "to" jsonb not null, "cc" jsonb not null, "subject" text null, "body_text" text not null default '', "body_html" text null, "message_id" text null, "message_id_synthetic" boolean not null default false, "in_reply_to" text null, "references" text[] not null, "door" "door" not null default 'API', "mailbox" varchar(64) null, "uid_validity" bigint null, "uid" bigint null, "raw_source_id" int null, "created_at" timestamptz not null, "search_vector" tsvector generated always as (postdesk_search_vector(coalesce(subject, '') || ' ' || body_text)) stored null);`);
    this.addSql(`create index "message_message_id_idx" on "message" ("message_id");`);
    this.addSql(`create index "message_search_idx" on "message" using gin ("search_vector");`);
    this.addSql(`create index "message_ticket_created_idx" on "message" ("ticket_id", "created_at");`);
    this.addSql(`alter table "message" add constraint "message_provenance_unique" unique ("mailbox", "uid_validity", "uid");`);

    this.addSql(`create table "quarantined_message" ("id" serial primary key, "raw_source_id" int null, "reason_code" varchar(64) not null, "reason" text not null, "attempts" int not null default 0, "door" "door" not null, "mailbox" varchar(64) null, "uid_validity" bigint null, "uid" bigint null, "created_at" timestamptz not null, "last_attempt_at" timestamptz null, "resolved_at" timestamptz null, "resolved_message_id" int null);`);
    this.addSql(`alter table "quarantined_message" add constraint "quarantined_message_provenance_unique" unique ("mailbox", "uid_validity", "uid");`);

    this.addSql(`create table "outbound_delivery" ("id" serial primary key, "ticket_id" int null, "thread_id" int null, "kind" varchar(64) not null, "recipients" text[] not null, "message_id" text not null, "automatic" boolean not null default true, "raw" bytea not null, "status" "delivery_status" not null default 'QUEUED', "attempts" int not null default 0, "last_error" text null, "next_attempt_at" timestamptz not null, "created_at" timestamptz not null, "sent_at" timestamptz null);`);
    this.addSql(`create index "outbound_delivery_ticket_id_index" on "outbound_delivery" ("ticket_id");`);
    this.addSql(`alter table "outbound_delivery" add constraint "outbound_delivery_message_id_unique" unique ("message_id");`);
    this.addSql(`create index "outbound_delivery_pending_idx" on "outbound_delivery" ("status", "next_attempt_at");`);

    this.addSql(`create table "attachment" ("id" serial primary key, "message_id" int not null, "filename" varchar(255) not null, "content_type" varchar(255) not null, "size" int not null, "sha256" varchar(64) not null, "inline" boolean not null, "content_id" varchar(998) null, "content" bytea not null, "created_at" timestamptz not null);`);
    this.addSql(`create index "attachment_message_id_index" on "attachment" ("message_id");`);
    this.addSql(`create index "attachment_sha256_index" on "attachment" ("sha256");`);

    this.addSql(`create table "ticket_cc" ("ticket_id" int not null, "person_id" int not null, primary key ("ticket_id", "person_id"));`);

    this.addSql(`create table "ticket_watcher" ("ticket_id" int not null, "person_id" int not null, primary key ("ticket_id", "person_id"));`);

    this.addSql(`create table "ticket_event" ("id" serial primary key, "ticket_id" int null, "actor_id" int null, "actor_label" varchar(255) null, "kind" varchar(64) not null, "from_value" text null, "to_value" text null, "detail" jsonb null, "created_at" timestamptz not null);`);
    this.addSql(`create index "ticket_event_ticket_created_idx" on "ticket_event" ("ticket_id", "created_at");`);

    this.addSql(`alter table "category" add constraint "category_approver_id_foreign" foreign key ("approver_id") references "person" ("id") on delete set null;`);

    this.addSql(`alter table "api_token" add constraint "api_token_person_id_foreign" foreign key ("person_id") references "person" ("id") on delete cascade;`);

    this.addSql(`alter table "queue" add constraint "queue_default_assignee_id_foreign" foreign key ("default_assignee_id") references "person" ("id") on delete set null;`);

    this.addSql(`alter table "queue_agent" add constraint "queue_agent_queue_id_foreign" foreign key ("queue_id") references "queue" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "queue_agent" add constraint "queue_agent_person_id_foreign" foreign key ("person_id") references "person" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "queue_watcher" add constraint "queue_watcher_queue_id_foreign" foreign key ("queue_id") references "queue" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "queue_watcher" add constraint "queue_watcher_person_id_foreign" foreign key ("person_id") references "person" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "ticket" add constraint "ticket_category_id_foreign" foreign key ("category_id") references "category" ("id") on delete set null;`);
    this.addSql(`alter table "ticket" add constraint "ticket_queue_id_foreign" foreign key ("queue_id") references "queue" ("id") on delete set null;`);
    this.addSql(`alter table "ticket" add constraint "ticket_requester_id_foreign" foreign key ("requester_id") references "person" ("id");`);
    this.addSql(`alter table "ticket" add constraint "ticket_assignee_id_foreign" foreign key ("assignee_id") references "person" ("id") on delete set null;`);
    this.addSql(`alter table "ticket" add constraint "ticket_linked_to_id_foreign" foreign key ("linked_to_id") references "ticket" ("id") on delete set null;`);

    this.addSql(`alter table "message" add constraint "message_ticket_id_foreign" foreign key ("ticket_id") references "ticket" ("id") on delete cascade;`);
    this.addSql(`alter table "message" add constraint "message_author_id_foreign" foreign key ("author_id") references "person" ("id") on delete set null;`);
    this.addSql(`alter table "message" add constraint "message_raw_source_id_foreign" foreign key ("raw_source_id") references "raw_source" ("id") on delete set null;`);

    this.addSql(`alter table "quarantined_message" add constraint "quarantined_message_raw_source_id_foreign" foreign key ("raw_source_id") references "raw_source" ("id") on delete set null;`);
    this.addSql(`alter table "quarantined_message" add constraint "quarantined_message_resolved_message_id_foreign" foreign key ("resolved_message_id") references "message" ("id") on delete set null;`);

    this.addSql(`alter table "outbound_delivery" add constraint "outbound_delivery_ticket_id_foreign" foreign key ("ticket_id") references "ticket" ("id") on delete set null;`);
    this.addSql(`alter table "outbound_delivery" add constraint "outbound_delivery_thread_id_foreign" foreign key ("thread_id") references "message" ("id") on delete set null;`);

    this.addSql(`alter table "attachment" add constraint "attachment_message_id_foreign" foreign key ("message_id") references "message" ("id") on delete cascade;`);

    this.addSql(`alter table "ticket_cc" add constraint "ticket_cc_ticket_id_foreign" foreign key ("ticket_id") references "ticket" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "ticket_cc" add constraint "ticket_cc_person_id_foreign" foreign key ("person_id") references "person" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "ticket_watcher" add constraint "ticket_watcher_ticket_id_foreign" foreign key ("ticket_id") references "ticket" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "ticket_watcher" add constraint "ticket_watcher_person_id_foreign" foreign key ("person_id") references "person" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "ticket_event" add constraint "ticket_event_ticket_id_foreign" foreign key ("ticket_id") references "ticket" ("id") on delete cascade;`);
    this.addSql(`alter table "ticket_event" add constraint "ticket_event_actor_id_foreign" foreign key ("actor_id") references "person" ("id") on delete set null;`);
  }

}
