/**
 * Queue keyword routing: the queue whose keywords match a new ticket most strongly wins.
 *
 * Matching is on whole words (a phrase matches as consecutive words), case- and accent-insensitive.
 * Score: each keyword counts once per field, a hit in the subject weighs SUBJECT_WEIGHT, one in the
 * body BODY_WEIGHT; the highest total wins and a tie goes to the queue listed first (created first).
 */
import { NON_ASCII, words } from './text.js';

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
  /** Position in the index, for the per-call "found already" marks. */
  id: number;
  queueIndex: number;
  keyword: string;
  words: string[];
}

/** Children per trie node: the 26 letters and 10 digits of ASCII words. */
const TRIE_WIDTH = 36;

/** Per ASCII code unit: its index in a trie node (a-z, 0-9), or -1 for anything else. */
const WORD_CHAR_INDEX = Int8Array.from({ length: 128 }, (_, code) => (code >= 97 && code <= 122 ? code - 97 : code >= 48 && code <= 57 ? code - 48 + 26 : -1));

/** Index of an ASCII word character (a-z, 0-9) in a trie node, or -1 for any other code unit. */
function wordCharIndex(code: number): number {
  return code < 128 ? WORD_CHAR_INDEX[code]! : -1;
}

/** Keywords pre-split into words and indexed by their first word, built once per rule-set version. */
export class KeywordIndex {
  private readonly byFirstWord = new Map<string, CompiledKeyword[]>();
  /**
   * The same first words as a trie, for ASCII text (nearly all mail): walking it over the text's
   * characters finds every keyword start without cutting the text into word strings and hashing
   * each one, which was most of the cost on a 4 KB body (bench:rules).
   */
  private trie = new Int32Array(TRIE_WIDTH); // child node of node n for character i at n * TRIE_WIDTH + i; 0: none (node 0 is the root)
  private trieNodes = 1;
  /** Keywords whose first word ends at each node (by node number). */
  private readonly endingAt: (CompiledKeyword[] | undefined)[] = [];
  private keywordCount = 0;

  constructor(private readonly queues: readonly KeywordQueue[]) {
    queues.forEach((queue, queueIndex) => {
      for (const keyword of queue.keywords) {
        const split = words(keyword);
        if (split.length === 0) continue; // punctuation only: can never match a word
        const compiled = { id: this.keywordCount++, queueIndex, keyword, words: split };
        const list = this.byFirstWord.get(split[0]!) ?? [];
        list.push(compiled);
        this.byFirstWord.set(split[0]!, list);
        this.addToTrie(compiled);
      }
    });
  }

  /** Keywords with a non-ASCII character can never match ASCII text: they stay out of the trie. */
  private addToTrie(keyword: CompiledKeyword): void {
    if (keyword.words.some((w) => NON_ASCII.test(w))) return;
    let node = 0;
    for (const char of keyword.words[0]!) {
      const slot = node * TRIE_WIDTH + wordCharIndex(char.charCodeAt(0));
      if (this.trie[slot] === 0) {
        if ((this.trieNodes + 1) * TRIE_WIDTH > this.trie.length) {
          const grown = new Int32Array(this.trie.length * 2);
          grown.set(this.trie);
          this.trie = grown;
        }
        this.trie[slot] = this.trieNodes++;
      }
      node = this.trie[slot]!;
    }
    (this.endingAt[node] ??= []).push(keyword);
  }

  match(subject: string, body: string): KeywordResult {
    const scores = new Array<number>(this.queues.length).fill(0);
    const hits: KeywordHit[] = [];
    const fields = [
      { field: 'subject' as const, weight: SUBJECT_WEIGHT, text: subject },
      { field: 'body' as const, weight: BODY_WEIGHT, text: body.length > MAX_BODY_CHARS ? body.slice(0, MAX_BODY_CHARS) : body },
    ];
    for (const { field, weight, text } of fields) {
      const found = NON_ASCII.test(text) ? this.keywordsIn(words(text)) : this.keywordsInAscii(text.toLowerCase());
      for (const keyword of found) {
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

  /**
   * Each keyword found in lower-cased ASCII `text`, once: the same answer as keywordsIn(words(text)),
   * where a word is a run of a-z and 0-9.
   */
  private keywordsInAscii(text: string): CompiledKeyword[] {
    const found: CompiledKeyword[] = [];
    const seen = new Uint8Array(this.keywordCount);
    const trie = this.trie;
    const endingAt = this.endingAt;
    const length = text.length;
    let position = 0;
    while (position < length) {
      // Skip to the start of the next word.
      while (position < length && wordCharIndex(text.charCodeAt(position)) < 0) position++;
      const start = position;
      let node = 0; // -1 once the word has left the trie
      while (position < length) {
        const i = wordCharIndex(text.charCodeAt(position));
        if (i < 0) break;
        if (node >= 0) node = trie[node * TRIE_WIDTH + i]! || -1;
        position++;
      }
      if (position === start || node <= 0) continue;
      const keywords = endingAt[node];
      if (!keywords) continue;
      for (const keyword of keywords) {
        if (seen[keyword.id] === 0 && asciiPhraseContinues(text, position, keyword.words)) {
          seen[keyword.id] = 1;
          found.push(keyword);
        }
      }
    }
    return found;
  }

}

/** Whether the words after a phrase's first one follow in `text` from `position` (just after the first word). */
function asciiPhraseContinues(text: string, position: number, phrase: readonly string[]): boolean {
  let at = position;
  for (let w = 1; w < phrase.length; w++) {
    while (at < text.length && wordCharIndex(text.charCodeAt(at)) < 0) at++;
    const word = phrase[w]!;
    if (!text.startsWith(word, at)) return false;
    at += word.length;
    if (at < text.length && wordCharIndex(text.charCodeAt(at)) >= 0) return false; // the text's word goes on
  }
  return true;
}

/** Whether `phrase` (its first word already matched) continues at text[position + 1 …]. */
function followsAt(text: readonly string[], position: number, phrase: readonly string[]): boolean {
  for (let i = 1; i < phrase.length; i++) if (text[position + i] !== phrase[i]) return false;
  return true;
}
