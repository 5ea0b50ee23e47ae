import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesToHex, concatBytes, hexToBytes } from './bytes.ts';
import { DATA_RATES, dataRateName, dataRateValue } from './data-rates.ts';
import { decodeEntropy, encodeEntropy } from './entropy.ts';
import { Malformed } from './errors.ts';
import { hotspotKeyFromSeed } from './keys.ts';
import {
  REPORT_FIELDS, canonicalUnsignedBytes, decodeReport, encodeReport, encodeSignedReport, reportId, reportIdHex,
  verifyReportSignature, type BeaconReport, type ReportKind,
} from './messages.ts';
import { helium } from './proto.ts';
import { loadReplayFixture } from './replay-fixture.testkit.ts';
import { signEd25519 } from './sign.ts';

const key = hotspotKeyFromSeed(new Uint8Array(32).fill(7));
const isMalformed = (err: unknown): boolean => Malformed.is(err) && (err as { httpStatus: number }).httpStatus === 400;

/** Decodes and verifies; MALFORMED counts as "does not verify", anything else fails the test. */
function decodesAndVerifies(kind: ReportKind, bytes: Uint8Array): boolean {
  try {
    return verifyReportSignature(decodeReport(kind, bytes));
  } catch (err) {
    if (!isMalformed(err)) throw err;
    return false;
  }
}

const beaconFields = {
  pubKey: key.keyBinary,
  localEntropy: hexToBytes('e94619b0'),
  remoteEntropy: new Uint8Array(32).fill(9),
  data: new Uint8Array(51).fill(3),
  frequency: 867_900_000,
  channel: 0,
  datarate: 0,
  txPower: 10,
  timestamp: 1_748_220_600_123_456_789n,
  tmst: 0,
};

describe('replay fixture (signed by an independent implementation)', () => {
  const { reports } = loadReplayFixture();

  it('has 12 beacons and 28 witnesses', () => {
    expect(reports.filter((r) => r.kind === 'beacon')).toHaveLength(12);
    expect(reports.filter((r) => r.kind === 'witness')).toHaveLength(28);
  });

  it('every payload decodes, verifies over the canonical bytes and re-encodes byte for byte', () => {
    for (const { kind, payload, line } of reports) {
      const decoded = decodeReport(kind, payload);
      expect(decoded.kind).toBe(kind);
      expect(decoded.keyBinary).toHaveLength(33);
      expect(verifyReportSignature(decoded), `line ${line}`).toBe(true);
      expect(bytesToHex(encodeReport(kind, decoded.report as never)), `line ${line}`).toBe(bytesToHex(payload));
      expect(canonicalUnsignedBytes(kind, decoded.report as never)).toEqual(decoded.unsignedBytes);
    }
  });

  it('flipping any byte breaks verification (or, inside an int32 varint ignored high bits, only the spelling)', () => {
    const original = reports.find((r) => r.kind === 'beacon')!;
    const negative = reports.find((r) => r.kind === 'witness')!; // snr < 0: a 10-byte int32 varint
    for (const { kind, payload } of [original, negative]) {
      const reference = decodeReport(kind, payload);
      expect(reference.canonical).toBe(true);
      let spellings = 0;
      for (let i = 0; i < payload.length; i++) {
        for (const mask of [0x01, 0x02, 0x40, 0x80, 0xff]) {
          const copy = payload.slice();
          copy[i]! ^= mask;
          if (!decodesAndVerifies(kind, copy)) continue;
          // prost and protobufjs both keep only the low 32 bits of a 32-bit varint (a negative
          // int32 takes 10 bytes, a large tmst 5): the report and so the signed bytes are
          // unchanged; only a non-canonical spelling of the same report verifies.
          const d = decodeReport(kind, copy);
          expect(d.canonical, `${kind} byte ${i} ^ ${mask}`).toBe(false);
          expect(d.report).toEqual(reference.report);
          spellings++;
        }
      }
      if (kind === 'witness') expect(spellings).toBeGreaterThan(0);
    }
  });

  it('every strict prefix is MALFORMED or fails verification', () => {
    for (const { kind, payload } of reports.slice(0, 6)) {
      for (let n = 0; n < payload.length; n++) expect(decodesAndVerifies(kind, payload.subarray(0, n))).toBe(false);
    }
  });
});

describe('canonical signing (spec/wire.md §4)', () => {
  it('omits default-valued fields and the signature from the signed bytes', () => {
    const { payload, signature } = encodeSignedReport('beacon', beaconFields, key.privateKey);
    const unsigned = canonicalUnsignedBytes('beacon', beaconFields);
    const hex = bytesToHex(unsigned);
    expect(hex).not.toContain('3800'); // channel 0
    expect(hex).not.toContain('4000'); // datarate 0
    expect(hex).not.toContain('5a'); // no signature tag at all (never appears in this message's bytes)
    expect(hex.startsWith('1221')).toBe(true); // field 2, 33 bytes
    const decoded = decodeReport('beacon', payload);
    expect(decoded.unsignedBytes).toEqual(unsigned);
    expect(decoded.signature).toEqual(signature);
    expect(verifyReportSignature(decoded)).toBe(true);
    expect(decoded.report).toEqual({ ...beaconFields, signature });
  });

  it('a signature over protobufjs output with explicit defaults and empty signature does NOT verify', () => {
    const naiveUnsigned = helium.poc_lora.lora_beacon_report_req_v1
      .encode({ ...beaconFields, timestamp: beaconFields.timestamp.toString(), signature: new Uint8Array(0) } as never)
      .finish();
    expect(bytesToHex(naiveUnsigned)).toContain('3800');
    expect(bytesToHex(naiveUnsigned)).toContain('5a00');
    const signature = signEd25519(key.privateKey, naiveUnsigned);
    const payload = encodeReport('beacon', { ...beaconFields, signature });
    expect(verifyReportSignature(decodeReport('beacon', payload))).toBe(false);
  });

  it('ignores a signature passed among the fields to sign', () => {
    const withSig = { ...beaconFields, signature: new Uint8Array(64).fill(1) };
    expect(canonicalUnsignedBytes('beacon', withSig)).toEqual(canonicalUnsignedBytes('beacon', beaconFields));
  });

  it('round-trips witnesses and packets, negative and extreme values included', () => {
    const witness = {
      pubKey: key.keyBinary, data: new Uint8Array(51).fill(1), timestamp: (1n << 64n) - 1n, tmst: 0xffffffff,
      signal: -1234, snr: -75, frequency: Number.MAX_SAFE_INTEGER, datarate: 3,
    };
    const w = encodeSignedReport('witness', witness, key.privateKey);
    const dw = decodeReport('witness', w.payload);
    expect(verifyReportSignature(dw)).toBe(true);
    expect(dw.report).toEqual({ ...witness, signature: w.signature });

    const packet = {
      payload: randomBytes(20), timestamp: 1_700_000_000_000n, rssi: -110, frequency: 904_300_000, datarate: 3,
      snr: -7.25, region: 1, holdTime: 250n, gateway: key.keyBinary,
    };
    const p = encodeSignedReport('packet', packet, key.privateKey);
    const dp = decodeReport('packet', p.payload);
    expect(verifyReportSignature(dp)).toBe(true);
    expect(dp.keyBinary).toEqual(key.keyBinary);
    expect(dp.report).toEqual({ ...packet, payload: new Uint8Array(packet.payload), signature: p.signature });
    expect(encodeReport('packet', dp.report)).toEqual(p.payload);

    const beacon = encodeSignedReport('beacon', { ...beaconFields, txPower: -3, channel: -1 }, key.privateKey);
    const db = decodeReport('beacon', beacon.payload);
    expect(verifyReportSignature(db)).toBe(true);
    expect([db.report.txPower, db.report.channel]).toEqual([-3, -1]);
  });

  it('missing fields decode to proto defaults', () => {
    const { payload } = encodeSignedReport('beacon', { pubKey: key.keyBinary }, key.privateKey);
    const { report } = decodeReport('beacon', payload);
    const expected: Omit<BeaconReport, 'signature'> = {
      pubKey: key.keyBinary, localEntropy: new Uint8Array(0), remoteEntropy: new Uint8Array(0), data: new Uint8Array(0),
      frequency: 0, channel: 0, datarate: 0, txPower: 0, timestamp: 0n, tmst: 0,
    };
    expect(report).toMatchObject(expected);
  });

  it('refuses nonsense input values when encoding', () => {
    expect(() => encodeSignedReport('beacon', { ...beaconFields, channel: 1.5 }, key.privateKey)).toThrow(RangeError);
    expect(() => encodeSignedReport('beacon', { ...beaconFields, tmst: -1 }, key.privateKey)).toThrow(RangeError);
    expect(() => encodeSignedReport('beacon', { ...beaconFields, timestamp: 1n << 64n }, key.privateKey)).toThrow(RangeError);
  });

  it('the field table matches @helium/proto (number, wire type, property name)', () => {
    const types = {
      beacon: helium.poc_lora.lora_beacon_report_req_v1,
      witness: helium.poc_lora.lora_witness_report_req_v1,
      packet: helium.packet_router.packet_router_packet_up_v1,
    };
    const wire = { bytes: 2, u64n: 0, u64b: 0, i32: 0, s32: 0, u32: 0, f32: 5 } as const;
    const sample = { bytes: Uint8Array.of(1), u64n: 1, u64b: 1, i32: 1, s32: 1, u32: 1, f32: 1 } as const;
    for (const kind of ['beacon', 'witness', 'packet'] as const) {
      for (const f of REPORT_FIELDS[kind]) {
        const bytes = types[kind].encode({ [f.name]: sample[f.type] } as never).finish();
        expect(bytes[0], `${kind}.${f.name}`).toBe((f.no << 3) | wire[f.type]);
      }
    }
  });
});

describe('decodeReport refuses what is not a report with MALFORMED', () => {
  const valid = encodeSignedReport('beacon', beaconFields, key.privateKey).payload;

  it('random garbage never crashes', () => {
    let decoded = 0;
    for (let i = 0; i < 3000; i++) {
      const garbage = new Uint8Array(randomBytes(i % 300));
      for (const kind of ['beacon', 'witness', 'packet'] as const) {
        try {
          const d = decodeReport(kind, garbage);
          expect(d.keyBinary).toHaveLength(33);
          decoded++;
        } catch (err) {
          expect(isMalformed(err), String(err)).toBe(true);
        }
      }
    }
    expect(decoded).toBe(0);
  });

  it('empty input, no key, wrong key length', () => {
    for (const bytes of [new Uint8Array(0), canonicalUnsignedBytes('beacon', { ...beaconFields, pubKey: undefined }), canonicalUnsignedBytes('beacon', { ...beaconFields, pubKey: key.publicKey })]) {
      expect(() => decodeReport('beacon', bytes)).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    }
  });

  it('truncation (protobufjs RangeError) and a field with the wrong wire type', () => {
    expect(() => decodeReport('beacon', valid.subarray(0, 10))).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    // field 6 (frequency, varint) sent length-delimited
    const wrongWire = concatBytes(valid, Uint8Array.of((6 << 3) | 2, 1, 0));
    expect(() => decodeReport('beacon', wrongWire)).toThrow(/wire type/);
    // field number 0
    expect(() => decodeReport('beacon', concatBytes(valid, Uint8Array.of(0, 0)))).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    // a 7-byte varint for an int32 (prost reads it; protobufjs would assume 10 bytes and desync)
    expect(() => decodeReport('beacon', concatBytes(valid, Uint8Array.of(7 << 3, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00)))).toThrow(/7-byte varint/);
    // an 11-byte varint, and a 10th byte above 1
    expect(() => decodeReport('beacon', concatBytes(valid, Uint8Array.of(15 << 3, ...new Array<number>(10).fill(0x80), 0)))).toThrow(/longer than 10/);
    expect(() => decodeReport('beacon', concatBytes(valid, Uint8Array.of(15 << 3, ...new Array<number>(9).fill(0x80), 2)))).toThrow(/overflows/);
    // a group (wire type 3)
    expect(() => decodeReport('beacon', concatBytes(valid, Uint8Array.of((15 << 3) | 3, (15 << 3) | 4)))).toThrow(/wire type 3/);
  });

  it('a uint64 that must be a number but exceeds MAX_SAFE_INTEGER', () => {
    const unsafe = helium.poc_lora.lora_beacon_report_req_v1.encode({ pubKey: key.keyBinary, frequency: '9007199254740993' } as never).finish();
    expect(() => decodeReport('beacon', unsafe)).toThrow(/frequency exceeds/);
  });

  it('unknown fields are skipped (and are not covered by the signature, as with prost)', () => {
    const extended = concatBytes(valid, Uint8Array.of((15 << 3) | 0, 5));
    expect(decodesAndVerifies('beacon', extended)).toBe(true);
    expect(decodeReport('beacon', extended).canonical).toBe(false);
    expect(decodeReport('beacon', valid).canonical).toBe(true);
  });

  it('accepts Buffers and returns plain, detached Uint8Arrays', () => {
    const buf = Buffer.from(valid);
    const d = decodeReport('beacon', buf);
    expect(d.report.data.constructor).toBe(Uint8Array);
    buf.fill(0);
    expect(d.report.data).toEqual(beaconFields.data);
  });
});

describe('report ids, entropy, data rates', () => {
  it('report id is SHA-256 of the exact payload', () => {
    const payload = Uint8Array.of(1, 2, 3);
    const hex = createHash('sha256').update(payload).digest('hex');
    expect(reportIdHex(payload)).toBe(hex);
    expect(bytesToHex(reportId(payload))).toBe(hex);
  });

  it('entropy round-trips canonically', () => {
    const e = { data: new Uint8Array(32).fill(0xab), timestamp: 1_748_220_600, version: 0 };
    const bytes = encodeEntropy(e);
    expect(bytesToHex(bytes)).toBe(`0a20${'ab'.repeat(32)}10b8f5cec106`);
    expect(decodeEntropy(bytes)).toEqual(e);
    expect(decodeEntropy(encodeEntropy({ ...e, version: 1 })).version).toBe(1);
    expect(() => decodeEntropy(bytes.subarray(0, 5))).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
  });

  it('data rates follow helium.data_rate', () => {
    expect(DATA_RATES.SF12BW125).toBe(0);
    expect(DATA_RATES.SF9BW125).toBe(3);
    expect(DATA_RATES.SF7BW125).toBe(5);
    expect(DATA_RATES.SF12BW250).toBe(6);
    expect(dataRateName(3)).toBe('SF9BW125');
    expect(dataRateValue('SF12BW125')).toBe(0);
    expect(dataRateName(999)).toBeUndefined();
    expect(dataRateValue('constructor')).toBeUndefined();
  });
});
