import { createHash } from 'node:crypto';
import { ManualClock } from '@hexlight/kit';
import type { Queryable } from '@hexlight/store';
import { DAY_MS, type EpochRewardConfig } from '../src/index.ts';

export const EPOCH = 20_000; // 2024-10-04 UTC
export const START = EPOCH * DAY_MS;
export const END = START + DAY_MS;

/** 5 × 10^19 bones a day: above int8's range, so every amount column must be exact numeric. */
export const CONFIG: EpochRewardConfig = {
  epochLengthMs: DAY_MS,
  schedule: { dailyEmission: 50_000_000_000_000_000_000n, startMs: 19_000 * DAY_MS },
  tokenPriceUsd: '2.5',
  decimals: 8,
};

export function clockAt(ms: number): ManualClock {
  return new ManualClock(ms);
}

function id(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export async function addHotspot(q: Queryable, address: string, owner: string): Promise<void> {
  await q.query(`INSERT INTO hotspots (address, key_binary, owner, onboarded_at) VALUES ($1, $2, $3, $4)`, [address, id(address), owner, new Date(0)]);
}

export async function setOwner(q: Queryable, address: string, owner: string): Promise<void> {
  await q.query('UPDATE hotspots SET owner = $2 WHERE address = $1', [address, owner]);
}

export async function addShare(q: Queryable, poc: string, hotspot: string, role: 'beacon' | 'witness', atMs: number, shares: string): Promise<void> {
  await q.query(
    `INSERT INTO poc_reward_shares (poc_id, hotspot, role, reward_at, hex_scale, reward_unit, shares) VALUES ($1, $2, $3, $4, 1, 1, $5)`,
    [id(poc), hotspot, role, new Date(atMs), shares],
  );
}

export async function addDataShare(q: Queryable, hotspot: string, atMs: number, dc: bigint): Promise<void> {
  await q.query('INSERT INTO data_transfer_shares (hotspot, reward_at, dc) VALUES ($1, $2, $3)', [hotspot, new Date(atMs), dc]);
}

export async function addBeaconReport(q: Queryable, poc: string, hotspot: string, atMs: number): Promise<void> {
  await q.query(
    `INSERT INTO beacon_reports (id, received_at, hotspot, local_entropy, remote_entropy, data, frequency, channel, datarate, tx_power, hotspot_ts, tmst, payload)
     VALUES ($1, $2, $3, $4, $4, $4, 904100000, 0, 0, 27, 0, 0, $4)`,
    [id(poc), new Date(atMs), hotspot, Buffer.from('x')],
  );
}

export async function addVerdict(q: Queryable, poc: string, hotspot: string, atMs: number): Promise<void> {
  await q.query(
    `INSERT INTO poc_verdicts (poc_id, beaconer, received_at, ruleset, valid, reward_unit, evidence, verified_at)
     VALUES ($1, $2, $3, 'test', true, 1, '{}', $3)`,
    [id(poc), hotspot, new Date(atMs)],
  );
}

export async function count(q: Queryable, table: string): Promise<number> {
  return Number((await q.query<{ n: bigint }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
}
