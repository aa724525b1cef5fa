export { ConfigError, parseEnv } from './parse-env.ts';
export { retryUntilReady } from './retry.ts';
