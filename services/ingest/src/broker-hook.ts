import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { defineError, type Logger } from '@hexlight/kit';
import { sameSecret, type AccessDenyReason, type BrokerAccess } from './access.ts';

// The HTTP authentication and authorization hooks of an external MQTT broker (EMQX 5), so hotspots
// on it are held to wire.md §2 exactly as on the embedded broker: the decisions are BrokerAccess's.
//
// EMQX 5 formats (docs: access-control/authn/http.md and authz/http.md; source:
// apps/emqx_auth_http/src/emqx_authn_http.erl, emqx_authz_http.erl):
// - the request body is the operator's template with `${…}` placeholders rendered as strings, sent
//   as JSON for `method = post`; deploy/emqx/emqx.conf sets exactly the fields below;
// - authentication answers 200 `{"result": "allow" | "deny" | "ignore", "is_superuser": bool}`;
// - authorization answers 200 `{"result": "allow" | "deny" | "ignore"}`;
// - any other status means `ignore`: with this hook alone in the chain, EMQX then refuses the
//   connection (no authenticator said allow) and, with `no_match = deny`, the publish or
//   subscribe. So an error here fails closed.
// - authorization is not asked for superusers, and a shared subscription's filter reaches it with
//   `$share/<group>/` stripped (emqx_channel.erl do_check_sub_authzs2: get_shared_real_topic);
//   EMQX's own listener config keeps hotspots from shared subscriptions (deploy/emqx/emqx.conf).

export const HOOK_PATHS = { authenticate: '/v1/broker/authenticate', authorize: '/v1/broker/authorize' } as const;

export const BrokerHookDisabled = defineError('BROKER_HOOK_DISABLED', 'the broker hook is off (set INGEST_BROKER_HOOK_TOKEN)', { httpStatus: 403 });
export const BrokerHookUnauthorized = defineError('BROKER_HOOK_UNAUTHORIZED', 'broker hook credentials missing or wrong', { httpStatus: 401 });

/** Placeholders render as strings; an absent username or password renders as "". */
const Str = (maxLength: number) => Type.String({ maxLength });
const AuthenticateBody = Type.Object({
  clientid: Str(1024),
  username: Str(1024),
  password: Str(1024),
  peerhost: Str(64),
}, { additionalProperties: false });
const AuthorizeBody = Type.Object({
  clientid: Str(1024),
  username: Str(1024),
  topic: Str(65535),
  action: Type.Union([Type.Literal('publish'), Type.Literal('subscribe')]),
}, { additionalProperties: false });
const Result = Type.Union([Type.Literal('allow'), Type.Literal('deny')]);

export const HOOK_ACTIONS = ['authenticate', 'publish', 'subscribe'] as const;
export type HookAction = (typeof HOOK_ACTIONS)[number];

export interface BrokerHookCounters {
  /** Decisions by action and result. */
  decisions: Record<HookAction, { allow: number; deny: number }>;
  /** Denials by reason, over all actions. */
  denied: Record<AccessDenyReason, number>;
}

export function newBrokerHookCounters(): BrokerHookCounters {
  return {
    decisions: { authenticate: { allow: 0, deny: 0 }, publish: { allow: 0, deny: 0 }, subscribe: { allow: 0, deny: 0 } },
    denied: { bad_token: 0, unknown_hotspot: 0, client_id_mismatch: 0, bad_password: 0, acl: 0 },
  };
}

export interface BrokerHookDeps {
  access: BrokerAccess;
  /** INGEST_BROKER_HOOK_TOKEN; undefined = the hook routes answer BROKER_HOOK_DISABLED. */
  token: string | undefined;
  counters: BrokerHookCounters;
  log: Logger;
}

export function brokerHookRoutes(deps: BrokerHookDeps): FastifyPluginAsync {
  const { access, token, counters, log } = deps;
  const allow = (action: HookAction) => { counters.decisions[action].allow++; };
  const deny = (action: HookAction, reason: AccessDenyReason) => {
    counters.decisions[action].deny++;
    counters.denied[reason]++;
  };

  return async (app) => {
    // Before body validation: a caller without the token learns nothing, not even the schema.
    app.addHook('onRequest', async (req) => {
      if (!token) throw BrokerHookDisabled();
      const header = String(req.headers.authorization ?? '');
      const given = header.startsWith('Bearer ') ? header.slice(7) : '';
      if (!sameSecret(token, given)) throw BrokerHookUnauthorized();
    });

    app.post<{ Body: Static<typeof AuthenticateBody> }>(HOOK_PATHS.authenticate, {
      schema: {
        summary: 'EMQX HTTP authentication: may this client connect?',
        body: AuthenticateBody,
        response: { 200: Type.Object({ result: Result, is_superuser: Type.Boolean() }) },
      },
    }, async (req) => {
      const { clientid, username, password, peerhost } = req.body;
      const decision = await access.authenticate(clientid, username, password);
      if (!decision.ok) {
        deny('authenticate', decision.reason);
        log.debug({ client: clientid, peerhost, reason: decision.detail ?? decision.reason }, 'ingest.hook.connect.refused');
        return { result: 'deny' as const, is_superuser: false };
      }
      allow('authenticate');
      return { result: 'allow' as const, is_superuser: decision.principal.role === 'service' };
    });

    app.post<{ Body: Static<typeof AuthorizeBody> }>(HOOK_PATHS.authorize, {
      schema: {
        summary: 'EMQX HTTP authorization: may this client publish to / subscribe to this topic?',
        body: AuthorizeBody,
        response: { 200: Type.Object({ result: Result }) },
      },
    }, async (req) => {
      const { clientid, username, topic, action } = req.body;
      const principal = access.principalOf(clientid, username);
      if (!principal) {
        deny(action, 'client_id_mismatch');
        return { result: 'deny' as const };
      }
      const ok = action === 'publish' ? access.mayPublish(principal, topic) : access.maySubscribe(principal, topic);
      if (!ok) {
        deny(action, 'acl');
        log.info({ client: clientid, topic, action }, `ingest.hook.${action}.refused`);
        return { result: 'deny' as const };
      }
      allow(action);
      return { result: 'allow' as const };
    });
  };
}
