// Figures of a push, from what the publisher recorded per acknowledged report.

export interface AckFigures {
  /** PUBACK latency, ms: publish call to acknowledgement. */
  latencyMs: { p50: number; p99: number; max: number };
  /**
   * Acknowledgements per second between the 10th and the 90th percentile of ack times: the rate
   * once every connection is busy, without the ramp-up and the tail of the last connections.
   */
  sustainedPerS: number;
}

/** `latencies[i]` and `ackAt[i]` (ms, any origin) of each acknowledged report; both are sorted in place. */
export function ackFigures(latencies: Float64Array, ackAt: Float64Array): AckFigures {
  const n = latencies.length;
  if (n === 0) return { latencyMs: { p50: 0, p99: 0, max: 0 }, sustainedPerS: 0 };
  latencies.sort();
  ackAt.sort();
  const q = (p: number) => latencies[Math.min(n - 1, Math.floor(p * n))]!;
  const t10 = ackAt[Math.floor(0.1 * n)]!;
  const t90 = ackAt[Math.floor(0.9 * n)]!;
  const spanS = (t90 - t10) / 1000;
  const wholeS = (ackAt[n - 1]! - ackAt[0]!) / 1000;
  // Too few acks to have a middle: fall back to the whole span, then to nothing measurable.
  const sustainedPerS = spanS > 0 ? (0.8 * n) / spanS : wholeS > 0 ? n / wholeS : 0;
  return { latencyMs: { p50: q(0.5), p99: q(0.99), max: latencies[n - 1]! }, sustainedPerS };
}
