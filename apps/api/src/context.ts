import type { Logger, RequestId } from '@airlock/core';

/** What middleware puts on every request's context. */
export interface AppEnv {
  Variables: {
    requestId: RequestId;
    logger: Logger;
  };
}
