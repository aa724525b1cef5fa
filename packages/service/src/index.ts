export { ConfigError, logLevelEnvShape, parseEnv } from './parse-env.ts';
export { type Rate, RateLimiter } from './rate-limiter.ts';
export { retryUntilReady } from './retry.ts';
