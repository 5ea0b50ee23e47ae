import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertMessage, createRegistryClient, onboardMessage, RegistryRequestFailed, type Assertion } from '../src/registry-client.ts';
import { simHotspotKey, simOwnerWallet } from '../src/roster.ts';
import { closedPort, startNetwork, type SimNetwork } from './network.ts';

const owner = simOwnerWallet(7, 0);
const assertion: Assertion = { nonce: 1_700_000_000_000, location: '8c393362a2c1dff', region: 'EU868', gain: 23, elevation: 7, capability: 'full' };

// Against the real registry API: its signature checks are the proof that the client signs right.
describe('registry client against the real registry', () => {
  let network: SimNetwork;
  beforeAll(async () => {
    network = await startNetwork();
  });
  afterAll(async () => network?.close());

  it('signs the documented strings', () => {
    const key = simHotspotKey(7, 0);
    expect(Buffer.from(onboardMessage(key.address, owner.address, 1_700_000_000)).toString()).toBe(`hexlight-onboard:v1:${key.address}:${owner.address}:1700000000`);
    expect(Buffer.from(assertMessage(key.address, assertion)).toString()).toBe(`hexlight-assert:v1:${key.address}:1700000000000:8c393362a2c1dff:EU868:23:7:full`);
  });

  it('onboards (both signatures accepted), then treats HOTSPOT_EXISTS as already onboarded', async () => {
    const key = simHotspotKey(7, 1);
    const client = createRegistryClient(network.apiUrl);
    const now = Math.floor(Date.now() / 1000);
    expect(await client.onboard(key, owner, now)).toBe('created');
    expect(await client.onboard(key, owner, now)).toBe('exists');
    const row = await network.db.query<{ owner: string }>(`SELECT owner FROM hotspots WHERE address = $1`, [key.address]);
    expect(row.rows[0]!.owner).toBe(owner.address);
  });

  it('turns any other refusal into a coded failure with the step, status and code', async () => {
    const key = simHotspotKey(7, 2);
    await expect(createRegistryClient(network.apiUrl).onboard(key, owner, 1)).rejects.toMatchObject({
      code: RegistryRequestFailed.code, details: { step: 'onboard', status: 400, code: 'STALE_TIMESTAMP' },
    });
    await expect(createRegistryClient(`http://127.0.0.1:${await closedPort()}`).onboard(key, owner, Math.floor(Date.now() / 1000))).rejects.toMatchObject({
      code: RegistryRequestFailed.code, details: { status: 0 },
    });
  });

  it('asserts with the owner signature, and retries once above a nonce the registry already holds', async () => {
    const key = simHotspotKey(7, 3);
    const client = createRegistryClient(network.apiUrl);
    await client.onboard(key, owner, Math.floor(Date.now() / 1000));
    expect(await client.assert(key.address, owner, { ...assertion, nonce: 1_800_000_000_000 })).toBe(1_800_000_000_000);
    // A lower nonce (e.g. a restarted simulator with a slower clock): NONCE_REPLAYED → last + 1.
    expect(await client.assert(key.address, owner, assertion)).toBe(1_800_000_000_001);
    const rows = await network.db.query<{ nonce: bigint; gain: number }>(`SELECT nonce, gain FROM hotspot_assertions WHERE address = $1 ORDER BY nonce`, [key.address]);
    expect(rows.rows.map((r) => Number(r.nonce))).toEqual([1_800_000_000_000, 1_800_000_000_001]);
    await expect(client.assert(key.address, simOwnerWallet(7, 1), { ...assertion, nonce: 1_900_000_000_000 })).rejects.toMatchObject({
      details: { step: 'assert', status: 403, code: 'BAD_OWNER_SIGNATURE' },
    });
  });
});
