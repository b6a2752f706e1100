/**
 * Queue keyword routing: the queue whose keywords match a new ticket most strongly wins.
 *
 * Matching is on whole words (a phrase matches as consecutive words), case- and accent-insensitive.
 * Score: each keyword counts once per field, a hit in the subject weighs SUBJECT_WEIGHT, one in the
 * body BODY_WEIGHT; the highest total wins and a tie goes to the queue listed first (created first).
 */
import { words } from './text.js';

export const SUBJECT_WEIGHT = 3;
export const BODY_WEIGHT = 1;
/** Text beyond this many characters of the body is not searched (bounds the cost per message). */
export const MAX_BODY_CHARS = 100_000;

export interface KeywordQueue {
  name: string;
  keywords: readonly string[];
}

export interface KeywordHit {
  queue: string;
  keyword: string;
  field: 'subject' | 'body';
}

export interface KeywordResult {
  /** The winning queue's name; null when nothing matched. */
  queue: string | null;
  score: number;
  /** Every hit of every queue (for testRules and the explanation). */
  hits: KeywordHit[];
}

interface CompiledKeyword {
  queueIndex: number;
  keyword: string;
  words: string[];
}

/** Keywords pre-split into words and indexed by their first word, built once per rule-set version. */
export class KeywordIndex {
  private readonly byFirstWord = new Map<string, CompiledKeyword[]>();

  constructor(private readonly queues: readonly KeywordQueue[]) {
    queues.forEach((queue, queueIndex) => {
      for (const keyword of queue.keywords) {
        const split = words(keyword);
        if (split.length === 0) continue; // punctuation only: can never match a word
        const list = this.byFirstWord.get(split[0]!) ?? [];
        list.push({ queueIndex, keyword, words: split });
        this.byFirstWord.set(split[0]!, list);
      }
    });
  }

  match(subject: string, body: string): KeywordResult {
    const scores = new Array<number>(this.queues.length).fill(0);
    const hits: KeywordHit[] = [];
    const fields = [
      { field: 'subject' as const, weight: SUBJECT_WEIGHT, text: subject },
      { field: 'body' as const, weight: BODY_WEIGHT, text: body.length > MAX_BODY_CHARS ? body.slice(0, MAX_BODY_CHARS) : body },
    ];
    for (const { field, weight, text } of fields) {
      for (const keyword of this.keywordsIn(words(text))) {
        scores[keyword.queueIndex]! += weight;
        hits.push({ queue: this.queues[keyword.queueIndex]!.name, keyword: keyword.keyword, field });
      }
    }
    let best = -1;
    scores.forEach((score, i) => {
      if (score > 0 && (best < 0 || score > scores[best]!)) best = i;
    });
    return { queue: best < 0 ? null : this.queues[best]!.name, score: best < 0 ? 0 : scores[best]!, hits };
  }

  /** Each keyword found in `text` (a word list), once. */
  private keywordsIn(text: string[]): Set<CompiledKeyword> {
    const found = new Set<CompiledKeyword>();
    for (let position = 0; position < text.length; position++) {
      const candidates = this.byFirstWord.get(text[position]!);
      if (!candidates) continue;
      for (const candidate of candidates) {
        if (!found.has(candidate) && followsAt(text, position, candidate.words)) found.add(candidate);
      }
    }
    return found;
  }
}

/** Whether `phrase` (its first word already matched) continues at text[position + 1 …]. */
function followsAt(text: readonly string[], position: number, phrase: readonly string[]): boolean {
  for (let i = 1; i < phrase.length; i++) if (text[position + i] !== phrase[i]) return false;
  return true;
}
