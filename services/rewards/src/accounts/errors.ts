import { defineError } from '@hexlight/kit';

// Coded errors of organisations, their keys, DC ledger, DevAddr ranges and devices (STYLE.md §8).
// The root README lists every code.

/** Missing, malformed, unknown or revoked `Authorization: Bearer <api key>`. */
export const OrgKeyInvalid = defineError('ORG_KEY_INVALID', 'missing or invalid organisation API key', { httpStatus: 401 });
/** No organisation with this id (admin routes; details: org). */
export const OrgNotFound = defineError('ORG_NOT_FOUND', 'no such organisation', { httpStatus: 404 });
/** A credit whose ref was already used for another amount (details: kind, ref, amount, existing). */
export const OrgCreditConflict = defineError('ORG_CREDIT_CONFLICT', 'this ref was already used for a different credit', { httpStatus: 409 });
/** A DevAddr that is not 8 hex digits or an integer in [0, 2^32), or a range whose start is after its end. */
export const OrgRangeInvalid = defineError('ORG_RANGE_INVALID', 'invalid DevAddr range', { httpStatus: 400 });
/** A range (or a free block asked for) larger than allowed (details: size, max). */
export const OrgRangeTooLarge = defineError('ORG_RANGE_TOO_LARGE', 'DevAddr range too large', { httpStatus: 400 });
/** The range overlaps one already routed, by this organisation or another (details: start, end, overlaps). */
export const OrgRangeOverlap = defineError('ORG_RANGE_OVERLAP', 'DevAddr range overlaps an existing range', { httpStatus: 409 });
/** The organisation already holds the maximum number of ranges (details: max). */
export const OrgRangeLimit = defineError('ORG_RANGE_LIMIT', 'too many DevAddr ranges', { httpStatus: 409 });
/** No free block of the asked size is left in the network's DevAddr pool (details: size, pool). */
export const OrgRangePoolExhausted = defineError('ORG_RANGE_POOL_EXHAUSTED', 'no free DevAddr block of that size', { httpStatus: 409 });
/** No range with this id belongs to the organisation. */
export const OrgRangeNotFound = defineError('ORG_RANGE_NOT_FOUND', 'no such DevAddr range', { httpStatus: 404 });
/** The range still holds devices' DevAddrs (details: devices); move or delete them first. */
export const OrgRangeInUse = defineError('ORG_RANGE_IN_USE', 'devices still use addresses of this range', { httpStatus: 409 });
/** A device with this DevEUI is registered already (by any organisation). */
export const OrgDeviceExists = defineError('ORG_DEVICE_EXISTS', 'a device with this DevEUI is already registered', { httpStatus: 409 });
/** No device with this DevEUI belongs to the organisation. */
export const OrgDeviceNotFound = defineError('ORG_DEVICE_NOT_FOUND', 'no such device', { httpStatus: 404 });
/** The device's DevAddr lies in none of the organisation's ranges (details: dev_addr). */
export const OrgDeviceAddrNotOwned = defineError('ORG_DEVICE_ADDR_NOT_OWNED', "the DevAddr is not in one of the organisation's ranges", { httpStatus: 422 });
/** A traffic window with `to` not after `from`, or longer than allowed (details: max_days). */
export const OrgTrafficWindowInvalid = defineError('ORG_TRAFFIC_WINDOW_INVALID', 'invalid traffic window', { httpStatus: 400 });

export const AccountErrors = {
  OrgKeyInvalid, OrgNotFound, OrgCreditConflict, OrgRangeInvalid, OrgRangeTooLarge, OrgRangeOverlap, OrgRangeLimit, OrgRangePoolExhausted,
  OrgRangeNotFound, OrgRangeInUse, OrgDeviceExists, OrgDeviceNotFound, OrgDeviceAddrNotOwned, OrgTrafficWindowInvalid,
} as const;
