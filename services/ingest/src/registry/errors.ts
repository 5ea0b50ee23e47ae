import { defineError } from '@hexlight/kit';

// Stable codes of the registry API; the README's error table lists each one.
export const InvalidRequest = defineError('INVALID_REQUEST', 'the request does not match the schema', { httpStatus: 400 });
export const StaleTimestamp = defineError('STALE_TIMESTAMP', 'the signed timestamp is more than 300 s from server time', { httpStatus: 400 });
export const BadHotspotSignature = defineError('BAD_HOTSPOT_SIGNATURE', 'the hotspot key did not sign this message', { httpStatus: 403 });
export const BadOwnerSignature = defineError('BAD_OWNER_SIGNATURE', 'the owner wallet did not sign this message', { httpStatus: 403 });
export const HotspotExists = defineError('HOTSPOT_EXISTS', 'this hotspot is already onboarded', { httpStatus: 409 });
export const HotspotNotFound = defineError('HOTSPOT_NOT_FOUND', 'no hotspot with this address is onboarded', { httpStatus: 404 });
export const NonceReplayed = defineError('NONCE_REPLAYED', 'the assertion nonce must be greater than the last accepted one', { httpStatus: 409 });
export const InvalidLocation = defineError('INVALID_LOCATION', 'location must be an H3 res-12 cell or a valid lat/lng pair', { httpStatus: 400 });
export const InvalidRegion = defineError('UNKNOWN_REGION', 'unknown region', { httpStatus: 400 });
export const InvalidGain = defineError('INVALID_GAIN', 'antenna gain exceeds the region maximum EIRP', { httpStatus: 400 });
