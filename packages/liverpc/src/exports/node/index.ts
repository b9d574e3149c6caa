// Public entry `liverpc/node`: serve room contracts from a Node HTTP server you own.
export { attach } from '../../runtime/server/attach.js';
export type { AttachOptions, LiveServer } from '../../runtime/server/attach.js';
export type { ContractModule } from '../../runtime/server/contract/contract-registry.js';
export { optionsFromEnv } from '../../runtime/server/options/live-options.js';
export type { LiveLimits, LiveOptions, ProxyHeaders } from '../../runtime/server/options/live-options.js';
export type { LiveLogger, LogFields } from '../../runtime/server/telemetry/live-logger.js';
