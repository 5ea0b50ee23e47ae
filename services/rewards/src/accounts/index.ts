export * from './errors.ts';
export { authenticateOrg, generateApiKey, hashApiKey, PREFIX_LENGTH } from './keys.ts';
export { orgGuard, requestOrg } from './auth.ts';
export { createOrganisation, readOrganisation, rotateApiKey, updateOrganisation, DISABLED_EXPLANATIONS, type DisabledReason, type Organisation } from './orgs.ts';
export { applyCredit, grantCredit, ledgerPage, type CreditKind, type CreditRequest, type CreditResult, type LedgerEntry, type LedgerKind } from './credits.ts';
export {
  addRange, allocateRange, deleteRange, listRanges, parseDevAddr, parseDevAddrPool, formatDevAddr,
  DEFAULT_DEVADDR_POOL, DEVADDR_MAX, MAX_FREE_BLOCK, MAX_RANGE_SIZE, MAX_RANGES_PER_ORG, type DevAddrPool, type DevAddrRange,
} from './devaddr.ts';
export { registerDevice, listDevices, deleteDevice, type Device } from './devices.ts';
export { orgTraffic, trafficWindow, MAX_TRAFFIC_DAYS, type TrafficRow } from './traffic.ts';
export { accountRoutes, type AccountRoutesDeps } from './routes.ts';
