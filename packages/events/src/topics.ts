/** Default topic names; deployments may override them in configuration. */
export const DEFAULT_TOPICS = {
  events: 'tern.events.v1',
  /** History imports: the same records as events, on a topic of their own so a large import does not delay live traffic. */
  import: 'tern.import.v1',
  deadLetter: 'tern.dead-letter.v1',
  bots: 'tern.bots.v1',
  sites: 'tern.control.sites',
  salts: 'tern.control.salts',
  tokens: 'tern.control.tokens',
  /** Public dashboard links, read by every web instance. */
  shares: 'tern.control.shares',
} as const;
export type TopicNames = { [K in keyof typeof DEFAULT_TOPICS]: string };
