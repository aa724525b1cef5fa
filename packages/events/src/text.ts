/**
 * Text the warehouse can store. JavaScript strings are UTF-16 and may hold a lone surrogate (`"x\ud800"`); UTF-8,
 * which ClickHouse stores, cannot, and a JSON row carrying one is refused whole (code 25). Every path that reads
 * JSON from outside (the collector, the Events API, the history import, the query API, and the ingest worker for
 * messages older collectors wrote) parses it with `parseJsonText`, which repairs such strings to U+FFFD, as a
 * UTF-8 decoder does with bytes it cannot read. Cutting a string to a length goes through `truncate`, which never
 * leaves half of a surrogate pair behind.
 */

/**
 * A lone surrogate can reach `JSON.parse` only as a `\uD800`-style escape: raw bytes that are not UTF-8 were already
 * replaced by the decoder. Testing the text for such an escape is one native scan, so well-formed bodies (nearly all
 * of them) pay nothing more.
 */
const SURROGATE_ESCAPE = /\\u[dD][89abcdefABCDEF]/;

/** No body we take nests deeper than this; a deeper one would only cost recursion (and stack) further in. */
export const MAX_JSON_DEPTH = 32;

/** JSON nested deeper than MAX_JSON_DEPTH. */
export class JsonTooDeepError extends Error {
  override readonly name = 'JsonTooDeepError';
  constructor() {
    super(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
}

/**
 * `JSON.parse`, refusing JSON nested deeper than MAX_JSON_DEPTH (JsonTooDeepError), with every string (keys too)
 * made well-formed. Throws SyntaxError as `JSON.parse` does.
 */
export function parseJsonText(text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (typeof value === 'object' && value !== null && depthOf(value) > MAX_JSON_DEPTH) throw new JsonTooDeepError();
  return SURROGATE_ESCAPE.test(text) ? wellFormed(value) : value;
}

/** How deep objects and arrays nest in a parsed JSON value; iterative, so any depth is measured without recursion. */
function depthOf(root: object): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[root, 1]];
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const [value, depth] = entry;
    if (depth > deepest) deepest = depth;
    if (deepest > MAX_JSON_DEPTH) break;
    for (const inner of Object.values(value as object)) {
      if (typeof inner === 'object' && inner !== null) stack.push([inner, depth + 1]);
    }
  }
  return deepest;
}

/** The value with every string in it, keys included, made well-formed (lone surrogates become U+FFFD). */
export function wellFormed<T>(value: T): T {
  if (typeof value === 'string') return (value.isWellFormed() ? value : value.toWellFormed()) as T;
  if (Array.isArray(value)) return value.map(wellFormed) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      // defineProperty: an own "__proto__" key (JSON.parse makes one) must stay a key, not become the prototype.
      Object.defineProperty(out, wellFormed(key), {
        value: wellFormed(inner),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out as T;
  }
  return value;
}

/** At most `max` UTF-16 units of `text`, never ending in the first half of a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
