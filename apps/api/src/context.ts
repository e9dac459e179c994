import type { Logger, RequestId } from '@airlock/core';
import type { TokenIdentity } from '@airlock/registry';

/** What middleware puts on every request's context. */
export interface AppEnv {
  Variables: {
    requestId: RequestId;
    logger: Logger;
    /** Who the bearer token belongs to (set on /v1 routes). */
    identity: TokenIdentity;
  };
}
