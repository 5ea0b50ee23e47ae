import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from './bytes.ts';
import { InvalidGain, UnknownRegion } from './errors.ts';
import { helium } from './proto.ts';
import { REGION_NAMES, encodeRegionParams, isRegionName, maxConductedPower, regionJson, regionParams, type RegionName } from './regions.ts';

// spec/regions.md §2 and §4.3.
const STORED: Record<RegionName, { bytes: number; sha256: string }> = {
  EU868: { bytes: 296, sha256: 'f7f9e3db308f480de3f6f088c35d94a5000f96f04ee561fa81dc3068f2ba0eab' },
  US915: { bytes: 344, sha256: 'bdb364cebe3c3e64278e408f3cb5ed49023de62f7412d216964adc22c88d4d16' },
  AU915: { bytes: 440, sha256: '059f06823939b9af9dacec30a161faf5012d508319893e9d9560797afb479dfb' },
  AS923_1: { bytes: 440, sha256: '5fe6255579ba1667d95bf2f2f214724320eb9fbdcab8d3c96b335abba5e2a709' },
};

const EU868_HEX = `
0a2308e0cabb9d0310c8d00718a10122140a04080610410a0508031081010a05080210ee010a2308a0e5c79d0310c8d0
0718a10122140a04080610410a0508031081010a05080210ee010a2308e0ffd39d0310c8d00718a10122140a04080610
410a0508031081010a05080210ee010a2308a09ae09d0310c8d00718a10122140a04080610410a0508031081010a0508
0210ee010a2308e0b4ec9d0310c8d00718a10122140a04080610410a0508031081010a05080210ee010a2308a0cff89d
0310c8d00718a10122140a04080610410a0508031081010a05080210ee010a2308e0e9849e0310c8d00718a10122140a
04080610410a0508031081010a05080210ee010a2308a084919e0310c8d00718a10122140a04080610410a0508031081
010a05080210ee01`.replace(/\s/g, '');

describe('region tables', () => {
  for (const name of REGION_NAMES) {
    it(`${name} encodes to the stored chain bytes (length and SHA-256)`, () => {
      const bytes = encodeRegionParams(name);
      expect(bytes).toHaveLength(STORED[name].bytes);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(STORED[name].sha256);
      // and decodes back to the same table through @helium/proto
      const decoded = helium.blockchain_region_params_v1.decode(bytes);
      expect(decoded.regionParams.map((p) => Number(p.channelFrequency))).toEqual(regionParams(name).channels.map((c) => c.frequency));
    });
  }

  it('EU868 bytes equal regions.md §4.3 (helium/proto EU868_PARAMS)', () => {
    expect(bytesToHex(encodeRegionParams('EU868'))).toBe(EU868_HEX);
  });

  it('returns copies of the cached bytes and frozen tables', () => {
    const a = encodeRegionParams('EU868');
    a[0] = 0;
    expect(encodeRegionParams('EU868')[0]).toBe(0x0a);
    expect(Object.isFrozen(regionParams('EU868').channels[0])).toBe(true);
  });

  it('publishes the region JSON in stored order', () => {
    expect(regionJson('EU868')).toEqual({
      region: 'EU868',
      channels: [867100000, 867300000, 867500000, 867700000, 867900000, 868100000, 868300000, 868500000],
      bandwidth: 125000,
      max_eirp: 161,
      spreading: [{ sf: 'SF12', max_packet_size: 65 }, { sf: 'SF9', max_packet_size: 129 }, { sf: 'SF8', max_packet_size: 238 }],
    });
    expect(regionJson('US915').spreading.map((s) => s.sf)).toEqual(['SF10', 'SF9', 'SF8', 'SF7']);
  });

  it('knows only its four regions', () => {
    expect(isRegionName('EU868')).toBe(true);
    expect(isRegionName('eu868')).toBe(false);
    expect(isRegionName('AS923_1B')).toBe(false);
    expect(() => regionParams('CN470' as RegionName)).toThrow(expect.objectContaining({ code: UnknownRegion.code }));
  });
});

describe('maxConductedPower = trunc((maxEirp − gain) / 10)', () => {
  it('matches regions.md', () => {
    expect(maxConductedPower('EU868', 60)).toBe(10);
    expect(maxConductedPower('EU868', 12)).toBe(14);
    expect(maxConductedPower('EU868', 0)).toBe(16);
    expect(maxConductedPower('EU868', -30)).toBe(19);
    expect(maxConductedPower('US915', 12)).toBe(34);
    expect(maxConductedPower('AU915', 30)).toBe(27);
    expect(maxConductedPower('AS923_1', 58)).toBe(10);
  });

  it('truncates toward zero, so a gain just above max EIRP still gives 0', () => {
    expect(maxConductedPower('EU868', 161)).toBe(0);
    expect(Object.is(maxConductedPower('EU868', 162), 0)).toBe(true); // trunc(−0.1) = 0, not −0
    expect(maxConductedPower('EU868', 170)).toBe(0);
    expect(() => maxConductedPower('EU868', 171)).toThrow(expect.objectContaining({ code: InvalidGain.code }));
    expect(() => maxConductedPower('EU868', 12.5)).toThrow(expect.objectContaining({ code: InvalidGain.code }));
  });
});
