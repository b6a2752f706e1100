/**
 * Customer organisations: a name and the mail domains its people write from. Someone writing from
 * a domain of the requester's organisation may post to the ticket by its [#N] tag, and an original
 * arriving after its answer joins it, as for the requester's CCs (threading, src/ingest/thread.ts):
 * a colleague covering for someone on holiday, or the team's shared address answering. Without an
 * organisation, a colleague's tagged mail opens a new linked ticket, as a stranger's does.
 *
 * Domains are compared exactly (sub.example.com is not example.com), stored lower-case in their
 * ASCII (IDNA) form, and belong to at most one organisation. Problems are BAD_USER_INPUT.
 */
import { domainToASCII } from 'node:url';
import { lockKeys } from '../db/advisory-locks.js';
import type { Em } from '../db/orm.js';
import { arrayLiteral } from '../db/sql-values.js';
import { Organization, type Person } from '../entities/index.js';
import { AppError } from '../errors.js';
import { badInput, checkUniqueName } from '../routing/manage-rules.js';
import { emailDomain } from './email-address.js';
import type { Problem } from '../routing/rule-definition.js';
import { recordEvent } from '../tickets/record-event.js';

export const MAX_DOMAINS = 50;

export interface OrganizationInput {
  name?: string | null;
  /** Replaces the list when given. */
  domains?: readonly string[] | null;
}

/** A mail domain in its stored form, or null when it is not one (no dot, bad labels, too long). */
export function normalisedDomain(value: string): string | null {
  const ascii = domainToASCII(value.trim().replace(/^@/, '').replace(/\.$/, '').toLowerCase());
  if (ascii.length === 0 || ascii.length > 253 || !ascii.includes('.')) return null;
  const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
  return ascii.split('.').every((part) => label.test(part)) ? ascii : null;
}

export function listOrganizations(em: Em): Promise<Organization[]> {
  return em.find(Organization, {}, { orderBy: { name: 'asc' } });
}

/** Mail domains of the organisation `email` belongs to by its domain; empty when none. */
export async function colleagueDomains(em: Em, email: string): Promise<ReadonlySet<string>> {
  const domain = emailDomain(email);
  if (!domain) return new Set();
  const [row] = await em.execute<{ domains: string[] }[]>(`select domains from organization where ? = any(domains) limit 1`, [domain]);
  return new Set(row?.domains ?? []);
}

/** Organisation commands take turns, so two admins cannot give one domain to two organisations. */
function lockOrganizations(em: Em): Promise<void> {
  return lockKeys(em, ['organizations']);
}

async function checkInput(em: Em, input: OrganizationInput, current: Organization | null): Promise<{ name: string; domains: string[] }> {
  const problems: Problem[] = [];
  const name = await checkUniqueName(input.name, current, async (n) => (await em.count(Organization, { name: n })) > 0, 'an organization', problems);
  const given = input.domains ?? current?.domains ?? [];
  if (given.length > MAX_DOMAINS) problems.push({ field: ['domains'], message: `at most ${MAX_DOMAINS} domains` });
  const domains: string[] = [];
  given.slice(0, MAX_DOMAINS).forEach((value, i) => {
    const domain = normalisedDomain(value);
    if (!domain) problems.push({ field: ['domains', String(i)], message: 'must be a mail domain such as example.com' });
    else if (!domains.includes(domain)) domains.push(domain);
  });
  if (domains.length > 0) {
    const taken = await em.execute<{ name: string; domain: string }[]>(
      `select name, d as domain from organization, unnest(domains) d where d = any(?::text[]) and id <> ?`,
      [arrayLiteral(domains), current?.id ?? 0],
    );
    for (const row of taken) problems.push({ field: ['domains', String(given.findIndex((v) => normalisedDomain(v) === row.domain))], message: `${row.domain} belongs to "${row.name}"` });
  }
  if (problems.length > 0) throw badInput(problems);
  return { name, domains };
}

export async function createOrganization(em: Em, input: OrganizationInput, actor: Person): Promise<Organization> {
  await lockOrganizations(em);
  const { name, domains } = await checkInput(em, input, null);
  const organization = new Organization(name);
  organization.domains = domains;
  em.persist(organization);
  recordEvent(em, null, { kind: 'organization-created', actor, to: name, detail: { domains } });
  await em.flush();
  return organization;
}

export async function updateOrganization(em: Em, currentName: string, input: OrganizationInput, actor: Person): Promise<Organization> {
  await lockOrganizations(em);
  const organization = await findOrganization(em, currentName);
  const { name, domains } = await checkInput(em, input, organization);
  recordEvent(em, null, { kind: 'organization-updated', actor, from: currentName, to: name, detail: { from: organization.domains, to: domains } });
  organization.name = name;
  organization.domains = domains;
  await em.flush();
  return organization;
}

export async function deleteOrganization(em: Em, name: string, actor: Person): Promise<Organization> {
  await lockOrganizations(em);
  const organization = await findOrganization(em, name);
  em.remove(organization);
  recordEvent(em, null, { kind: 'organization-deleted', actor, from: name, detail: { domains: organization.domains } });
  await em.flush();
  return organization;
}

async function findOrganization(em: Em, name: string): Promise<Organization> {
  const organization = await em.findOne(Organization, { name });
  if (!organization) throw new AppError('NOT_FOUND', `no organization named "${name}"`, 'user', ['name']);
  return organization;
}
