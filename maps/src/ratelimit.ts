import { MapsRateLimited } from './errors.ts';

/**
 * Token buckets (capacity = the per-minute limit, refilled continuously). Answers carry the IETF
 * draft headers RateLimit-Limit / RateLimit-Remaining / RateLimit-Reset (seconds until full) and,
 * when refused, Retry-After (seconds until one token).
 */
export function createRateLimiter(perMin: number, nowMs: () => number, maxKeys = 100_000) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const rate = perMin / 60_000;
  return {
    take(key: string, reply: { header(name: string, value: string | number): unknown }): void {
      const now = nowMs();
      let b = buckets.get(key);
      if (!b) {
        if (buckets.size >= maxKeys) buckets.clear(); // bounded memory; a cleared bucket starts full
        b = { tokens: perMin, at: now };
        buckets.set(key, b);
      }
      b.tokens = Math.min(perMin, b.tokens + (now - b.at) * rate);
      b.at = now;
      const allowed = b.tokens >= 1;
      if (allowed) b.tokens -= 1;
      reply.header('RateLimit-Limit', perMin);
      reply.header('RateLimit-Remaining', Math.floor(b.tokens));
      reply.header('RateLimit-Reset', Math.ceil((perMin - b.tokens) / rate / 1000));
      reply.header('RateLimit-Policy', `${perMin};w=60`);
      if (!allowed) {
        const retry = Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000));
        reply.header('Retry-After', retry);
        throw MapsRateLimited(undefined, { retry_after_s: retry, limit_per_min: perMin });
      }
    },
  };
}
export type RateLimiter = ReturnType<typeof createRateLimiter>;
