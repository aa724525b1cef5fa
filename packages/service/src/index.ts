export { ConfigError, logLevelEnvShape, parseEnv } from './parse-env.ts';
export { retryUntilReady } from './retry.ts';
