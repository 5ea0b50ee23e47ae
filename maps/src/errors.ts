import { defineError } from '@hexlight/kit';

export const MapsInvalidGeometry = defineError('MAPS_INVALID_GEOMETRY', 'the area is not a valid bbox, Polygon or MultiPolygon', { httpStatus: 400 });
export const MapsAreaTooLarge = defineError('MAPS_AREA_TOO_LARGE', 'the area holds more hexes at this resolution than one request may cover', { httpStatus: 400 });
export const MapsInvalidCursor = defineError('MAPS_INVALID_CURSOR', 'the cursor is not one this API returned', { httpStatus: 400 });
export const MapsInvalidWindow = defineError('MAPS_INVALID_WINDOW', 'the time window is empty or malformed: `to` must be after `from`', { httpStatus: 400 });
export const MapsInvalidHex = defineError('MAPS_INVALID_HEX', 'not an H3 cell at a supported resolution (5-10)', { httpStatus: 400 });
export const MapsInvalidTile = defineError('MAPS_INVALID_TILE', 'tile coordinates out of range', { httpStatus: 400 });
export const MapsApiKeyMissing = defineError('MAPS_API_KEY_MISSING', 'an API key is required: Authorization: Bearer <key> or x-api-key', { httpStatus: 401 });
export const MapsApiKeyInvalid = defineError('MAPS_API_KEY_INVALID', 'unknown or revoked API key', { httpStatus: 401 });
export const MapsInsufficientDc = defineError('MAPS_INSUFFICIENT_DC', "the organisation's DC balance does not cover this request", { httpStatus: 402 });
export const MapsRateLimited = defineError('MAPS_RATE_LIMITED', 'too many requests: retry after the time in Retry-After', { httpStatus: 429 });
export const MapsUplinkFiltered = defineError('MAPS_UPLINK_FILTERED', 'the uplink failed the coverage filters and was not recorded', { httpStatus: 422 });
