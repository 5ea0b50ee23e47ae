import type { FastifyRequest } from 'fastify';
import type { Queryable } from '@hexlight/store';
import { OrgKeyInvalid } from './errors.ts';
import { authenticateOrg } from './keys.ts';

// `onRequest` guard of the /v1/orgs/me routes: the key is checked before the body is even
// validated, so a request without a valid key learns nothing but ORG_KEY_INVALID.

const orgOfRequest = new WeakMap<FastifyRequest, string>();

export function orgGuard(q: Queryable): (req: FastifyRequest) => Promise<void> {
  return async (req) => {
    orgOfRequest.set(req, await authenticateOrg(q, req.headers.authorization));
  };
}

/** The organisation `orgGuard` authenticated for this request. */
export function requestOrg(req: FastifyRequest): string {
  const id = orgOfRequest.get(req);
  if (id === undefined) throw OrgKeyInvalid();
  return id;
}
