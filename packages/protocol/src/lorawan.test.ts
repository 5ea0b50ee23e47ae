import { describe, expect, it } from 'vitest';
import { HexlightError } from '@hexlight/kit';
import { hexToBytes } from './bytes.ts';
import { decodePhyPayload, decodeUplink, encodeDataUplink, encodeJoinRequest, MTYPE, type DataFrame, type JoinRequestFrame } from './lorawan.ts';

function codeOf(fn: () => unknown): { code: string; reason: unknown } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HexlightError);
    return { code: (err as HexlightError).code, reason: (err as HexlightError).details?.reason };
  }
  throw new Error('expected a throw');
}

describe('LoRaWAN 1.0.x PHYPayload', () => {
  it('decodes a published unconfirmed uplink field by field', () => {
    // A frame with DevAddr 0x26011BDA, ADR + ACK, FCnt 0x0102, 2 FOpts bytes (LinkCheckReq ×2),
    // FPort 10, 3 FRMPayload bytes and a MIC, laid out by hand after LoRaWAN 1.0.4 §4.
    const phy = hexToBytes('40' + 'da1b0126' + 'a2' + '0201' + '0202' + '0a' + 'aabbcc' + '01020304');
    const f = decodeUplink(phy) as DataFrame;
    expect(f).toMatchObject({
      type: 'data', mtype: 2, uplink: true, confirmed: false, devAddr: 0x26011bda, adr: true, adrAckReq: false, ack: true,
      classB: false, fOptsLen: 2, fcnt: 0x0102, fport: 10, frmPayloadLength: 3,
    });
    expect([...f.fOpts]).toEqual([2, 2]);
    expect([...f.mic]).toEqual([1, 2, 3, 4]);
  });

  it('reads DevAddr as an unsigned 32-bit number, little-endian', () => {
    const f = decodeUplink(encodeDataUplink({ devAddr: 0xfffffffe, fcnt: 0x1_2345, fport: 1, payload: new Uint8Array(5) })) as DataFrame;
    expect(f.devAddr).toBe(0xfffffffe);
    expect(f.fcnt).toBe(0x2345); // only 16 bits travel
  });

  it('round-trips encodeDataUplink: confirmed, no port, FOpts, FPort 0', () => {
    const confirmed = decodeUplink(encodeDataUplink({ devAddr: 0x48000001, fcnt: 7, fport: 2, payload: new Uint8Array([1, 2]), confirmed: true, adr: true })) as DataFrame;
    expect(confirmed).toMatchObject({ mtype: MTYPE.CONFIRMED_DATA_UP, confirmed: true, adr: true, fport: 2, frmPayloadLength: 2 });
    const bare = encodeDataUplink({ devAddr: 1, fcnt: 1, fport: null, payload: new Uint8Array(0), fOpts: new Uint8Array([3, 0xff]) });
    expect(bare.byteLength).toBe(14);
    expect(decodeUplink(bare)).toMatchObject({ fport: null, fOptsLen: 2, frmPayloadLength: 0 });
    expect(decodeUplink(encodeDataUplink({ devAddr: 1, fcnt: 1, fport: 0, payload: new Uint8Array([6]) }))).toMatchObject({ fport: 0, frmPayloadLength: 1 });
    expect([...(decodeUplink(bare) as DataFrame).mic]).toEqual([0, 0, 0, 0]);
  });

  it('decodes a join request: EUIs in display order, DevNonce little-endian', () => {
    // JoinEUI 70B3D57ED0000001 and DevEUI 0004A30B001C0530 travel least significant byte first.
    const phy = hexToBytes('00' + '010000d07ed5b370' + '30051c000ba30400' + '3412' + 'deadbeef');
    const f = decodeUplink(phy) as JoinRequestFrame;
    expect(f).toMatchObject({ type: 'join_request', mtype: 0, joinEui: '70b3d57ed0000001', devEui: '0004a30b001c0530', devNonce: 0x1234 });
    expect(encodeJoinRequest({ joinEui: '70B3D57ED0000001', devEui: '0004a30b001c0530', devNonce: 0x1234, mic: hexToBytes('deadbeef') })).toEqual(phy);
  });

  it('refuses downlinks as not uplinks: join-accept, unconfirmed and confirmed data down', () => {
    const down = encodeDataUplink({ devAddr: 1, fcnt: 1, fport: 1, payload: new Uint8Array(1) });
    down[0] = MTYPE.UNCONFIRMED_DATA_DOWN << 5;
    expect(decodePhyPayload(down)).toMatchObject({ type: 'data', uplink: false, mtype: 3 });
    expect(codeOf(() => decodeUplink(down)).code).toBe('LORAWAN_NOT_UPLINK');
    down[0] = MTYPE.CONFIRMED_DATA_DOWN << 5;
    expect(codeOf(() => decodeUplink(down)).code).toBe('LORAWAN_NOT_UPLINK');
    const accept = new Uint8Array(17);
    accept[0] = MTYPE.JOIN_ACCEPT << 5;
    expect(codeOf(() => decodeUplink(accept)).code).toBe('LORAWAN_NOT_UPLINK');
  });

  const malformed: [string, string, string][] = [
    ['empty', '', 'too_short'],
    ['11 bytes of data frame', '40' + '01000000' + '00' + '0100' + '000000', 'too_short'],
    ['FOptsLen past the end', '40' + '01000000' + '05' + '0100' + 'aabb' + '00000000', 'bad_length'],
    ['a 22-byte join request', '00' + '00'.repeat(21), 'bad_length'],
    ['a 24-byte join request', '00' + '00'.repeat(23), 'bad_length'],
    ['Major 1', '41' + '01000000' + '00' + '0100' + '00000000', 'major'],
    ['a rejoin request (MType 6)', 'c0' + '00'.repeat(18), 'rejoin'],
    ['a proprietary frame (MType 7)', 'e0' + '00'.repeat(18), 'proprietary'],
    ['FPort 0 with FOpts', '40' + '01000000' + '01' + '0100' + '02' + '00' + 'aa' + '00000000', 'fport0_with_fopts'],
    ['a join-accept of 20 bytes', '20' + '00'.repeat(19), 'bad_length'],
  ];
  for (const [name, hex, reason] of malformed) {
    it(`refuses ${name} with LORAWAN_FRAME_INVALID (${reason})`, () => {
      expect(codeOf(() => decodePhyPayload(hexToBytes(hex)))).toEqual({ code: 'LORAWAN_FRAME_INVALID', reason });
      expect(codeOf(() => decodeUplink(hexToBytes(hex))).code).toBe('LORAWAN_FRAME_INVALID');
    });
  }

  it('says what is wrong in the message', () => {
    try {
      decodePhyPayload(hexToBytes('40' + '01000000' + '05' + '0100' + 'aabb' + '00000000'));
    } catch (err) {
      expect((err as Error).message).toMatch(/FOptsLen is 5/);
    }
  });

  it('refuses impossible fields when encoding', () => {
    expect(() => encodeDataUplink({ devAddr: 2 ** 32, fcnt: 0, fport: 1, payload: new Uint8Array(0) })).toThrow(RangeError);
    expect(() => encodeDataUplink({ devAddr: 1, fcnt: 0, fport: 256, payload: new Uint8Array(0) })).toThrow(RangeError);
    expect(() => encodeDataUplink({ devAddr: 1, fcnt: 0, fport: null, payload: new Uint8Array(1) })).toThrow(RangeError);
    expect(() => encodeDataUplink({ devAddr: 1, fcnt: 0, fport: 1, payload: new Uint8Array(0), fOpts: new Uint8Array(16) })).toThrow(RangeError);
    expect(() => encodeJoinRequest({ joinEui: 'xyz', devEui: '0000000000000001', devNonce: 1 })).toThrow(RangeError);
    expect(() => encodeJoinRequest({ joinEui: '0000000000000001', devEui: '0000000000000001', devNonce: 70_000 })).toThrow(RangeError);
  });
});
