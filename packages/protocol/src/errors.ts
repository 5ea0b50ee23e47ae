import { defineError } from '@hexlight/kit';

// Every failure this package reports to a caller carries one of these codes; services map
// them to HTTP statuses, MQTT rejections and CLI messages without parsing error text.

/** A hotspot address or key binary that is not a valid ed25519 Helium key. */
export const InvalidAddress = defineError('INVALID_ADDRESS', 'invalid hotspot address', { httpStatus: 400 });
/** A Solana wallet that is not base58 of exactly 32 bytes. */
export const InvalidWallet = defineError('INVALID_WALLET', 'invalid Solana wallet address', { httpStatus: 400 });
/** Bytes (or a key file) that do not decode to the message they claim to be. */
export const Malformed = defineError('MALFORMED', 'malformed message', { httpStatus: 400 });
/** Beacon derivation failed: unsupported entropy version, no datarate fits, negative power. */
export const InvalidBeacon = defineError('INVALID_BEACON', 'beacon cannot be derived', { httpStatus: 422 });
/** An antenna gain the region's maximum EIRP cannot accommodate (or not an integer). */
export const InvalidGain = defineError('INVALID_GAIN', 'antenna gain not allowed in this region', { httpStatus: 400 });
/** A region name outside the supported tables of spec/regions.md. */
export const UnknownRegion = defineError('UNKNOWN_REGION', 'unknown region', { httpStatus: 400 });
/** Bytes that are not a LoRaWAN 1.0.x PHYPayload (too short, FOptsLen past the end, Major ≠ 0, rejoin, proprietary). */
export const LoRaWANFrameInvalid = defineError('LORAWAN_FRAME_INVALID', 'not a LoRaWAN 1.0.x frame', { httpStatus: 400 });
/** A well-formed LoRaWAN downlink (join-accept, data down) where a device's uplink was expected. */
export const LoRaWANNotUplink = defineError('LORAWAN_NOT_UPLINK', 'LoRaWAN frame is not an uplink', { httpStatus: 422 });

export const ProtocolErrors = {
  InvalidAddress,
  InvalidWallet,
  Malformed,
  InvalidBeacon,
  InvalidGain,
  UnknownRegion,
  LoRaWANFrameInvalid,
  LoRaWANNotUplink,
} as const;

/** The codes above, for the docs test that checks every code is listed. */
export const PROTOCOL_ERROR_CODES: readonly string[] = Object.values(ProtocolErrors).map((e) => e.code);
