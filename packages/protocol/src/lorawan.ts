import { LoRaWANFrameInvalid, LoRaWANNotUplink } from './errors.ts';

// LoRaWAN 1.0.x PHYPayloads (LoRaWAN 1.0.4 §4): what a hotspot carries for a device. The network
// has no device keys, so nothing here checks a MIC or decrypts: it reads the clear header fields
// that route a frame (DevAddr, JoinEUI/DevEUI) and meter it (length). Byte order on the air is
// little-endian for every multi-byte field.

/** MHDR MType values (§4.2.1). */
export const MTYPE = {
  JOIN_REQUEST: 0,
  JOIN_ACCEPT: 1,
  UNCONFIRMED_DATA_UP: 2,
  UNCONFIRMED_DATA_DOWN: 3,
  CONFIRMED_DATA_UP: 4,
  CONFIRMED_DATA_DOWN: 5,
  REJOIN_REQUEST: 6,
  PROPRIETARY: 7,
} as const;

/** MHDR + DevAddr + FCtrl + FCnt + MIC: the shortest data frame (no FOpts, no FPort). */
export const MIN_DATA_FRAME_BYTES = 12;
/** MHDR + JoinEUI + DevEUI + DevNonce + MIC. */
export const JOIN_REQUEST_BYTES = 23;
/** A join-accept is 16 or 32 encrypted bytes after the MHDR (§6.2.5). */
const JOIN_ACCEPT_BYTES = [17, 33];

export interface DataFrame {
  type: 'data';
  /** 2 unconfirmed up, 3 unconfirmed down, 4 confirmed up, 5 confirmed down. */
  mtype: 2 | 3 | 4 | 5;
  uplink: boolean;
  confirmed: boolean;
  /** Unsigned 32-bit. */
  devAddr: number;
  adr: boolean;
  /** Uplink: ADRACKReq; downlink: RFU. */
  adrAckReq: boolean;
  ack: boolean;
  /** Uplink: ClassB; downlink: FPending. */
  classB: boolean;
  fOptsLen: number;
  /** The 16 bits the frame carries (the device's counter modulo 2^16). */
  fcnt: number;
  fOpts: Uint8Array;
  /** null when the frame has no FPort (and so no FRMPayload). */
  fport: number | null;
  frmPayloadLength: number;
  mic: Uint8Array;
}

export interface JoinRequestFrame {
  type: 'join_request';
  mtype: 0;
  /** 16 lowercase hex digits, most significant byte first (as LoRaWAN tools print EUIs). */
  joinEui: string;
  devEui: string;
  devNonce: number;
  mic: Uint8Array;
}

export interface JoinAcceptFrame {
  type: 'join_accept';
  mtype: 1;
  /** Encrypted with the device's AppKey: nothing more can be read without it. */
  length: number;
}

export type LoRaWANFrame = DataFrame | JoinRequestFrame | JoinAcceptFrame;
export type UplinkFrame = (DataFrame & { uplink: true }) | JoinRequestFrame;

function invalid(reason: string, message: string, details: Record<string, unknown> = {}): never {
  throw LoRaWANFrameInvalid(message, { reason, ...details });
}

/**
 * Decodes the clear fields of a LoRaWAN 1.0.x PHYPayload. Throws LORAWAN_FRAME_INVALID (details
 * `reason`: `too_short`, `bad_length`, `major`, `rejoin`, `proprietary`, `fport0_with_fopts`)
 * when the bytes cannot be such a frame.
 */
export function decodePhyPayload(phy: Uint8Array): LoRaWANFrame {
  if (!(phy instanceof Uint8Array)) invalid('not_bytes', 'a PHYPayload must be bytes');
  if (phy.byteLength < 1) invalid('too_short', 'PHYPayload is empty: no MHDR', { length: 0 });
  const mhdr = phy[0]!;
  const mtype = mhdr >>> 5;
  const major = mhdr & 0x03;
  if (major !== 0) invalid('major', `MHDR Major is ${major}: only LoRaWAN R1 (Major 0) is defined`, { major });
  switch (mtype) {
    case MTYPE.JOIN_REQUEST:
      return decodeJoinRequest(phy);
    case MTYPE.JOIN_ACCEPT:
      if (!JOIN_ACCEPT_BYTES.includes(phy.byteLength)) {
        invalid('bad_length', `a join-accept is 17 or 33 bytes, got ${phy.byteLength}`, { length: phy.byteLength, mtype });
      }
      return { type: 'join_accept', mtype: 1, length: phy.byteLength };
    case MTYPE.UNCONFIRMED_DATA_UP:
    case MTYPE.UNCONFIRMED_DATA_DOWN:
    case MTYPE.CONFIRMED_DATA_UP:
    case MTYPE.CONFIRMED_DATA_DOWN:
      return decodeData(phy, mtype);
    case MTYPE.REJOIN_REQUEST:
      return invalid('rejoin', 'MType 6 is a LoRaWAN 1.1 rejoin request, not a LoRaWAN 1.0.x frame', { mtype });
    default:
      return invalid('proprietary', 'MType 7 is a proprietary frame: its layout is not LoRaWAN\'s', { mtype });
  }
}

/**
 * Decodes a frame a device sent: a data uplink (MType 2 or 4) or a join request. Downlinks
 * (MType 1, 3, 5) throw LORAWAN_NOT_UPLINK; undecodable bytes throw LORAWAN_FRAME_INVALID.
 */
export function decodeUplink(phy: Uint8Array): UplinkFrame {
  const frame = decodePhyPayload(phy);
  if (frame.type === 'join_request') return frame;
  if (frame.type === 'data' && frame.uplink) return frame as DataFrame & { uplink: true };
  throw LoRaWANNotUplink(`MType ${frame.mtype} is a downlink (${frame.type === 'join_accept' ? 'join-accept' : 'data down'}): a hotspot only carries device uplinks`, { mtype: frame.mtype });
}

function decodeJoinRequest(phy: Uint8Array): JoinRequestFrame {
  if (phy.byteLength !== JOIN_REQUEST_BYTES) {
    invalid('bad_length', `a join request is exactly ${JOIN_REQUEST_BYTES} bytes, got ${phy.byteLength}`, { length: phy.byteLength, mtype: 0 });
  }
  return {
    type: 'join_request',
    mtype: 0,
    joinEui: euiFromWire(phy, 1),
    devEui: euiFromWire(phy, 9),
    devNonce: phy[17]! | (phy[18]! << 8),
    mic: phy.slice(19, 23),
  };
}

function decodeData(phy: Uint8Array, mtype: 2 | 3 | 4 | 5): DataFrame {
  const length = phy.byteLength;
  if (length < MIN_DATA_FRAME_BYTES) {
    invalid('too_short', `a data frame is at least ${MIN_DATA_FRAME_BYTES} bytes (MHDR, DevAddr, FCtrl, FCnt, MIC), got ${length}`, { length, mtype });
  }
  const fctrl = phy[5]!;
  const fOptsLen = fctrl & 0x0f;
  if (length < MIN_DATA_FRAME_BYTES + fOptsLen) {
    invalid('bad_length', `FOptsLen is ${fOptsLen} but a ${length}-byte frame has room for ${length - MIN_DATA_FRAME_BYTES} FOpts bytes`, { length, fOptsLen, mtype });
  }
  const macEnd = 8 + fOptsLen;
  const hasPort = length > MIN_DATA_FRAME_BYTES + fOptsLen;
  const fport = hasPort ? phy[macEnd]! : null;
  // §4.3.1.6: MAC commands travel either in FOpts or in an FPort-0 payload, never both.
  if (fport === 0 && fOptsLen > 0) {
    invalid('fport0_with_fopts', `FPort 0 (MAC commands in the payload) with ${fOptsLen} FOpts bytes: a frame may not carry both`, { fOptsLen, mtype });
  }
  const uplink = mtype === MTYPE.UNCONFIRMED_DATA_UP || mtype === MTYPE.CONFIRMED_DATA_UP;
  return {
    type: 'data',
    mtype,
    uplink,
    confirmed: mtype === MTYPE.CONFIRMED_DATA_UP || mtype === MTYPE.CONFIRMED_DATA_DOWN,
    devAddr: (phy[1]! | (phy[2]! << 8) | (phy[3]! << 16) | (phy[4]! << 24)) >>> 0,
    adr: (fctrl & 0x80) !== 0,
    adrAckReq: (fctrl & 0x40) !== 0,
    ack: (fctrl & 0x20) !== 0,
    classB: (fctrl & 0x10) !== 0,
    fOptsLen,
    fcnt: phy[6]! | (phy[7]! << 8),
    fOpts: phy.slice(8, macEnd),
    fport,
    frmPayloadLength: hasPort ? length - MIN_DATA_FRAME_BYTES - fOptsLen - 1 : 0,
    mic: phy.slice(length - 4),
  };
}

/** 8 little-endian bytes → 16 lowercase hex digits, most significant first. */
function euiFromWire(phy: Uint8Array, at: number): string {
  let s = '';
  for (let i = at + 7; i >= at; i--) s += phy[i]!.toString(16).padStart(2, '0');
  return s;
}

function euiToWire(eui: string, name: string): Uint8Array {
  if (typeof eui !== 'string' || !/^[0-9a-fA-F]{16}$/.test(eui)) {
    throw new RangeError(`${name} must be 16 hex digits (8 bytes, most significant first), got ${JSON.stringify(eui)}`);
  }
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i++) out[7 - i] = parseInt(eui.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function requireUint(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`${name} must be an integer in [0, ${max}], got ${value}`);
  return value;
}

/** Four zero bytes: without device keys the network cannot compute (or check) a MIC. */
const ZERO_MIC = new Uint8Array(4);

export interface DataUplinkFields {
  /** Unsigned 32-bit. */
  devAddr: number;
  /** The frame's counter; only its low 16 bits travel. */
  fcnt: number;
  /** 0–255; null for a frame without FPort (then `payload` must be empty). */
  fport: number | null;
  /** FRMPayload bytes, sent as given (the simulator has no AppSKey to encrypt them). */
  payload: Uint8Array;
  confirmed?: boolean;
  adr?: boolean;
  ack?: boolean;
  /** MAC commands in FOpts, at most 15 bytes. */
  fOpts?: Uint8Array;
  /** Default four zero bytes: the network holds no device keys and never checks a MIC. */
  mic?: Uint8Array;
}

/**
 * A LoRaWAN 1.0.x data uplink (MType 2, or 4 when `confirmed`), for the simulator and tests. The
 * MIC defaults to four zero bytes: the network has no device keys, so nothing can check it.
 */
export function encodeDataUplink(f: DataUplinkFields): Uint8Array {
  const devAddr = requireUint('devAddr', f.devAddr, 0xffff_ffff);
  const fcnt = requireUint('fcnt', f.fcnt, Number.MAX_SAFE_INTEGER) & 0xffff;
  const fOpts = f.fOpts ?? new Uint8Array(0);
  if (fOpts.byteLength > 15) throw new RangeError(`fOpts is at most 15 bytes, got ${fOpts.byteLength}`);
  const payload = f.payload ?? new Uint8Array(0);
  if (f.fport === null && payload.byteLength > 0) throw new RangeError('a frame without FPort carries no FRMPayload');
  if (f.fport !== null) requireUint('fport', f.fport, 255);
  if (f.fport === 0 && fOpts.byteLength > 0) throw new RangeError('FPort 0 and FOpts cannot be used together');
  const mic = f.mic ?? ZERO_MIC;
  if (mic.byteLength !== 4) throw new RangeError(`mic is 4 bytes, got ${mic.byteLength}`);
  const portBytes = f.fport === null ? 0 : 1;
  const out = new Uint8Array(8 + fOpts.byteLength + portBytes + payload.byteLength + 4);
  out[0] = (f.confirmed ? MTYPE.CONFIRMED_DATA_UP : MTYPE.UNCONFIRMED_DATA_UP) << 5;
  new DataView(out.buffer).setUint32(1, devAddr, true);
  out[5] = (f.adr ? 0x80 : 0) | (f.ack ? 0x20 : 0) | fOpts.byteLength;
  new DataView(out.buffer).setUint16(6, fcnt, true);
  out.set(fOpts, 8);
  let at = 8 + fOpts.byteLength;
  if (f.fport !== null) out[at++] = f.fport;
  out.set(payload, at);
  out.set(mic, out.byteLength - 4);
  return out;
}

export interface JoinRequestFields {
  /** 16 hex digits, most significant first (as printed); sent little-endian. */
  joinEui: string;
  devEui: string;
  devNonce: number;
  /** Default four zero bytes (no AppKey here). */
  mic?: Uint8Array;
}

/** A LoRaWAN 1.0.x join request (23 bytes), for the simulator and tests; MIC as in encodeDataUplink. */
export function encodeJoinRequest(f: JoinRequestFields): Uint8Array {
  const mic = f.mic ?? ZERO_MIC;
  if (mic.byteLength !== 4) throw new RangeError(`mic is 4 bytes, got ${mic.byteLength}`);
  const devNonce = requireUint('devNonce', f.devNonce, 0xffff);
  const out = new Uint8Array(JOIN_REQUEST_BYTES);
  out[0] = MTYPE.JOIN_REQUEST << 5;
  out.set(euiToWire(f.joinEui, 'joinEui'), 1);
  out.set(euiToWire(f.devEui, 'devEui'), 9);
  out[17] = devNonce & 0xff;
  out[18] = devNonce >>> 8;
  out.set(mic, 19);
  return out;
}
