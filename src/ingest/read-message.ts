/**
 * A raw message as the pipeline and the routing dry run see it: parsed (parse.ts), its author
 * restored when it came through the desk's own group (own-group.ts), and the tags and banners the
 * desk's own mail system writes into subjects and bodies removed (SUBJECT_TAGS, EXTERNAL_BANNERS).
 * One place, so a dry run routes what ingest would.
 */
import type { Config } from '../config/env.js';
import { withoutSubjectTags } from '../mail/headers.js';
import { ownAddresses } from './own-addresses.js';
import { throughOwnGroup } from './own-group.js';
import { parseMessage } from './parse.js';
import type { ParsedMessage } from './types.js';

/** @throws UnprocessableMessageError as parseMessage does */
export async function readMessage(raw: Buffer, config: Config, now: Date): Promise<ParsedMessage> {
  const options = { now, replyMarker: config.outbound.replyMarker, banners: config.externalBanners };
  const received = throughOwnGroup(await parseMessage(raw, config.attachments, options), new Set(ownAddresses(config)));
  return { ...received, subject: withoutSubjectTags(received.subject, config.subjectTags) };
}
