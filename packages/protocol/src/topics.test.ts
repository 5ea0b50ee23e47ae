import { describe, expect, it } from 'vitest';
import { ENTROPY_TOPIC, MAX_REPORT_BYTES, REPORT_LEAVES, SHARED_INGEST_FILTER, TOPIC_LEAVES, hotspotTopic, mayPublish, maySubscribe, parseHotspotTopic, regionTopic } from './topics.ts';

const me = '14SjZdeRfrk6s8dxSChvZaVEfuGhN22rEkfPR7W8wdCdmP5z4En';
const other = '13iJ9X5qRsifWmHgPKr4etkPPJdXDM147Knpd4Uy1SczYg4Qv8t';

describe('topics', () => {
  it('names', () => {
    expect(hotspotTopic(me, 'beacon')).toBe(`hotspot/${me}/beacon`);
    expect(regionTopic('EU868')).toBe('network/region/EU868');
    expect(ENTROPY_TOPIC).toBe('network/entropy');
    expect(SHARED_INGEST_FILTER).toBe('$share/ingest/hotspot/+/+');
    expect(MAX_REPORT_BYTES).toBe(1024);
    expect(TOPIC_LEAVES).toEqual(['beacon', 'witness', 'packet', 'state', 'rejected']);
    expect({ ...REPORT_LEAVES }).toEqual({ beacon: 'beacon', witness: 'witness', packet: 'packet' });
    expect(REPORT_LEAVES['state']).toBeUndefined();
    expect(REPORT_LEAVES['constructor']).toBeUndefined();
  });

  it('parses exactly three levels', () => {
    expect(parseHotspotTopic(`hotspot/${me}/witness`)).toEqual({ address: me, leaf: 'witness' });
    for (const bad of [`hotspot/${me}`, `hotspot/${me}/beacon/x`, `hotspots/${me}/beacon`, `hotspot//beacon`, `hotspot/${me}/`, 'hotspot/+/beacon', `hotspot/${me}/#`, '', `/hotspot/${me}/beacon`]) {
      expect(parseHotspotTopic(bad), bad).toBeNull();
    }
  });
});

describe('ACL (spec/wire.md §2)', () => {
  it('publish only under hotspot/<own>/…', () => {
    for (const leaf of TOPIC_LEAVES) expect(mayPublish(me, hotspotTopic(me, leaf))).toBe(true);
    for (const t of [hotspotTopic(other, 'beacon'), 'network/entropy', `hotspot/${me}`, `hotspot/${me}/`, `hotspot/${me}/+`, `hotspot/${me}/#`, `hotspot/${me}x/beacon`, `$SYS/x`, 'beacon']) {
      expect(mayPublish(me, t), t).toBe(false);
    }
    expect(mayPublish('', 'hotspot//beacon')).toBe(false);
    expect(mayPublish('a/b', 'hotspot/a/b/beacon')).toBe(false);
  });

  it('subscribe only to hotspot/<own>/# and network/#, or subsets of them', () => {
    const allowed = [`hotspot/${me}/#`, `hotspot/${me}/rejected`, `hotspot/${me}/+`, `hotspot/${me}`, 'network/#', 'network/entropy', 'network/region/+', 'network/region/EU868', 'network/+/EU868', 'network'];
    for (const f of allowed) expect(maySubscribe(me, f), f).toBe(true);
    const refused = [
      '#', '+/#', 'hotspot/#', 'hotspot/+/beacon', 'hotspot/+/#', `hotspot/${other}/#`, `hotspot/${other}/rejected`, '+/+/+',
      `$share/g/hotspot/${me}/#`, '$SYS/#', `hotspot/${me}/a#`, `hotspot/${me}/#/x`, 'network/a+', '', `hotspot/${me}x/#`, 'networks/#',
    ];
    for (const f of refused) expect(maySubscribe(me, f), f).toBe(false);
  });
});
