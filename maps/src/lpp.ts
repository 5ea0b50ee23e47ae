/** Cayenne LPP sizes by type (data bytes after channel + type), enough to walk past other sensors. */
const SIZES: Record<number, number> = { 0x00: 1, 0x01: 1, 0x02: 2, 0x03: 2, 0x65: 2, 0x66: 1, 0x67: 2, 0x68: 1, 0x71: 6, 0x73: 2, 0x86: 6, 0x88: 9 };
export const LPP_GPS = 0x88;

const s24 = (b: Uint8Array, i: number) => {
  const u = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
  return u & 0x80_0000 ? u - 0x100_0000 : u;
};

/** The first GPS record of a Cayenne LPP payload (lat/lng x10^4, altitude x100, 3-byte big-endian signed). */
export function readLppGps(b: Uint8Array): { lat: number; lng: number; altitude: number } | null {
  let i = 0;
  while (i + 2 <= b.length) {
    const type = b[i + 1]!;
    const size = SIZES[type];
    if (size === undefined || i + 2 + size > b.length) return null;
    if (type === LPP_GPS) return { lat: s24(b, i + 2) / 10_000, lng: s24(b, i + 5) / 10_000, altitude: s24(b, i + 8) / 100 };
    i += 2 + size;
  }
  return null;
}

/** LoRaWAN data uplink (MType 2 or 4): DevAddr and FRMPayload (plaintext for simulator GPS trackers). */
export function readDataUplink(phy: Uint8Array): { devAddr: number; fcnt: number; fport: number; frm: Uint8Array } | null {
  if (phy.length < 12) return null;
  const mtype = phy[0]! >> 5;
  if (mtype !== 2 && mtype !== 4) return null;
  const dv = new DataView(phy.buffer, phy.byteOffset, phy.byteLength);
  const fOptsLen = phy[5]! & 0x0f;
  const portAt = 8 + fOptsLen;
  if (portAt >= phy.length - 4) return null;
  return { devAddr: dv.getUint32(1, true), fcnt: dv.getUint16(6, true), fport: phy[portAt]!, frm: phy.subarray(portAt + 1, phy.length - 4) };
}
