// Signing worker for `bench poc`: the corpus is 1.7 M signed reports; two threads halve the wait.
import { parentPort } from 'node:worker_threads';
import { encodeSignedReport, hotspotKeyFromSeed } from '@hexlight/protocol';
import { benchSeed } from './keys.ts';
import { POC_BENCH_SALT } from './poc-plan.ts';

interface Job {
  beacons: { h: number; local: Uint8Array; remote: Uint8Array; data: Uint8Array; frequency: number; datarate: number; txPower: number; atMs: number }[];
  witnesses: { h: number; data: Uint8Array; frequency: number; datarate: number; signal: number; snr: number; atMs: number }[];
}

const keys = new Map<number, ReturnType<typeof hotspotKeyFromSeed>>();
const key = (h: number) => {
  let k = keys.get(h);
  if (!k) keys.set(h, (k = hotspotKeyFromSeed(benchSeed(h, POC_BENCH_SALT))));
  return k;
};

parentPort!.on('message', (job: Job) => {
  const beacons = job.beacons.map((b) => encodeSignedReport('beacon', {
    pubKey: key(b.h).keyBinary, localEntropy: b.local, remoteEntropy: b.remote, data: b.data, frequency: b.frequency,
    channel: 0, datarate: b.datarate, txPower: b.txPower, timestamp: BigInt(b.atMs) * 1_000_000n, tmst: b.atMs % 4_000_000_000,
  }, key(b.h).privateKey).payload);
  const witnesses = job.witnesses.map((w) => encodeSignedReport('witness', {
    pubKey: key(w.h).keyBinary, data: w.data, timestamp: BigInt(w.atMs) * 1_000_000n, tmst: w.atMs % 4_000_000_000,
    signal: w.signal, snr: w.snr, frequency: w.frequency, datarate: w.datarate,
  }, key(w.h).privateKey).payload);
  parentPort!.postMessage({ beacons, witnesses });
});
