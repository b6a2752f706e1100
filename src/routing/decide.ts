/**
 * The routing decision for a new ticket, as a pure function of the rule set and the message:
 *
 *   1. Enabled rules in order; each matching rule's actions apply in turn (a later action overrides
 *      an earlier one), and `stop` ends the evaluation. A setCategory naming a disabled category
 *      is skipped (a `routing-skipped` step says so).
 *   2. If no rule set a queue: a queue whose emailAddress the mail was sent to (facts.to: the
 *      headers, the mailbox, where it was delivered), else the queue whose keywords match best,
 *      else the default queue.
 *   3. Emergencies are URGENT INCIDENT whatever rules say (rules may add people, never lower it);
 *      a category that requires approval starts the ticket in PENDING_APPROVAL (not for emergencies).
 *
 * Every step is explained (`steps`), so the ticket's history says why it is where it is.
 */
import { Priority, TicketStatus, TicketType } from '../entities/enums.js';
import { FactView, type Predicate, type RegexPrefilter } from './conditions.js';
import type { MessageFacts } from './facts.js';
import type { KeywordHit, KeywordIndex } from './keywords.js';
import type { Action } from './rule-definition.js';

export interface RoutingQueue {
  name: string;
  emailAddress: string | null;
  defaultAssignee: string | null;
}

export interface CompiledRule {
  name: string;
  test: Predicate;
  actions: Action[];
}

/** Everything routing needs, loaded once per rule-set version (see rule-set.ts). */
export interface RuleSet {
  rules: CompiledRule[];
  /** The rules' regular expressions joined per field (see conditions.ts). */
  prefilter: RegexPrefilter | null;
  /** In creation order: ties in keyword scores go to the earlier queue. */
  queues: RoutingQueue[];
  keywords: KeywordIndex;
  /** Category name → requiresApproval. */
  categories: ReadonlyMap<string, boolean>;
  /** Disabled categories: a rule's setCategory naming one is skipped (and the skip explained). */
  disabledCategories?: ReadonlySet<string>;
  defaultQueue: string | null;
}

export type StepKind =
  | 'queue'
  | 'priority'
  | 'type'
  | 'category'
  | 'assignee'
  | 'watcher-added'
  | 'cc-added'
  | 'status'
  | 'emergency'
  | 'acknowledgement-suppressed'
  /** An action that was not applied, with the reason in `text`. */
  | 'routing-skipped';

/** One explained change: who (`rule:VIP customers`, `keyword:invoice` …) set what to which value. */
export interface RoutingStep {
  actor: string;
  kind: StepKind;
  value: string;
  text: string;
}

export interface RoutingDecision {
  queue: string | null;
  priority: Priority;
  type: TicketType;
  category: string | null;
  /** Email of the assignee. */
  assignee: string | null;
  watchers: string[];
  ccs: string[];
  status: TicketStatus;
  emergency: boolean;
  acknowledge: boolean;
  matchedRules: { name: string; actions: Action[] }[];
  keywordHits: KeywordHit[];
  steps: RoutingStep[];
}

export interface DecideOptions {
  /** The mail came to the emergency address or an EMERGENCY mailbox. */
  emergency: boolean;
}

export function decide(ruleSet: RuleSet, facts: MessageFacts, options: DecideOptions): RoutingDecision {
  const d: RoutingDecision = {
    queue: null,
    priority: Priority.NORMAL,
    type: TicketType.QUESTION,
    category: null,
    assignee: null,
    watchers: [],
    ccs: [],
    status: TicketStatus.OPEN,
    emergency: options.emergency,
    acknowledge: true,
    matchedRules: [],
    keywordHits: [],
    steps: [],
  };
  const step = (actor: string, kind: StepKind, value: string, text: string) => d.steps.push({ actor, kind, value, text });
  let queueByRule = false;
  let assigneeByRule = false;

  const view = new FactView(facts, ruleSet.prefilter);
  for (const rule of ruleSet.rules) {
    if (!rule.test(view)) continue;
    d.matchedRules.push({ name: rule.name, actions: rule.actions });
    const actor = `rule:${rule.name}`;
    const says = (what: string) => `rule '${rule.name}' ${what}`;
    let stop = false;
    for (const action of rule.actions) {
      switch (action.kind) {
        case 'setQueue':
          d.queue = action.value;
          queueByRule = true;
          step(actor, 'queue', action.value, says(`set queue ${action.value}`));
          break;
        case 'setPriority':
          d.priority = action.value;
          step(actor, 'priority', action.value, says(`set priority ${action.value}`));
          break;
        case 'setType':
          d.type = action.value;
          step(actor, 'type', action.value, says(`set type ${action.value}`));
          break;
        case 'setCategory':
          if (ruleSet.disabledCategories?.has(action.value)) {
            step(actor, 'routing-skipped', action.value, says(`did not set category ${action.value}: the category is disabled`));
            break;
          }
          d.category = action.value;
          step(actor, 'category', action.value, says(`set category ${action.value}`));
          break;
        case 'assign':
          d.assignee = action.value;
          assigneeByRule = true;
          step(actor, 'assignee', action.value, says(`assigned ${action.value}`));
          break;
        case 'addWatcher':
          if (!d.watchers.includes(action.value)) d.watchers.push(action.value);
          step(actor, 'watcher-added', action.value, says(`added watcher ${action.value}`));
          break;
        case 'addCc':
          if (!d.ccs.includes(action.value)) d.ccs.push(action.value);
          step(actor, 'cc-added', action.value, says(`added CC ${action.value}`));
          break;
        case 'setStatus':
          d.status = action.value;
          step(actor, 'status', action.value, says(`set status ${action.value}`));
          break;
        case 'markEmergency':
          if (!d.emergency) step(actor, 'emergency', 'true', says('marked the ticket as an emergency'));
          d.emergency = true;
          break;
        case 'suppressAcknowledgement':
          if (d.acknowledge) step(actor, 'acknowledgement-suppressed', 'true', says('suppressed the acknowledgement mail'));
          d.acknowledge = false;
          break;
        case 'stop':
          stop = true;
          break;
      }
    }
    if (stop) break;
  }

  if (!queueByRule) routeByAddressOrKeyword(ruleSet, facts, d, step);

  if (!assigneeByRule && d.queue !== null) {
    const assignee = ruleSet.queues.find((q) => q.name === d.queue)?.defaultAssignee ?? null;
    if (assignee) {
      d.assignee = assignee;
      step(`queue:${d.queue}`, 'assignee', assignee, `queue ${d.queue} assigns new tickets to ${assignee}`);
    }
  }

  if (d.emergency) {
    if (d.priority !== Priority.URGENT) step('emergency', 'priority', Priority.URGENT, 'emergency: priority URGENT');
    if (d.type !== TicketType.INCIDENT) step('emergency', 'type', TicketType.INCIDENT, 'emergency: type INCIDENT');
    d.priority = Priority.URGENT;
    d.type = TicketType.INCIDENT;
    if (d.status === TicketStatus.CLOSED) {
      d.status = TicketStatus.OPEN;
      step('emergency', 'status', TicketStatus.OPEN, 'emergency: an emergency is never closed by a rule');
    }
  } else if (d.category !== null && ruleSet.categories.get(d.category) === true) {
    d.status = TicketStatus.PENDING_APPROVAL;
    step(`category:${d.category}`, 'status', TicketStatus.PENDING_APPROVAL, `category ${d.category} requires approval: PENDING_APPROVAL`);
  }
  return d;
}

function routeByAddressOrKeyword(ruleSet: RuleSet, facts: MessageFacts, d: RoutingDecision, step: (actor: string, kind: StepKind, value: string, text: string) => void): void {
  const byAddress = ruleSet.queues.find((q) => q.emailAddress !== null && facts.to.includes(q.emailAddress));
  if (byAddress) {
    d.queue = byAddress.name;
    step(`address:${byAddress.emailAddress}`, 'queue', byAddress.name, `mail to ${byAddress.emailAddress} → queue ${byAddress.name}`);
    return;
  }
  const keywords = ruleSet.keywords.match(facts.subject, facts.body);
  d.keywordHits = keywords.hits;
  if (keywords.queue !== null) {
    const strongest = keywords.hits.find((h) => h.queue === keywords.queue && h.field === 'subject') ?? keywords.hits.find((h) => h.queue === keywords.queue)!;
    d.queue = keywords.queue;
    step(`keyword:${strongest.keyword}`, 'queue', keywords.queue, `keyword '${strongest.keyword}' → queue ${keywords.queue} (score ${keywords.score})`);
    return;
  }
  d.queue = ruleSet.defaultQueue;
  if (ruleSet.defaultQueue !== null) step('default', 'queue', ruleSet.defaultQueue, `no rule, address or keyword matched → default queue ${ruleSet.defaultQueue}`);
}
