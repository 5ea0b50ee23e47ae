import { openLockSession, type Db, type LockSession } from '@hexlight/store';
import type { Logger } from '@hexlight/kit';
import type { SharedSubscriptionConsumer } from './consumer.ts';

export interface SessionPoolConfig {
  /** Broker sessions in the share group, shared by every worker of the group. */
  sessions: number;
  /** Session `i` connects as client id `<clientIdPrefix>-<i>`. */
  clientIdPrefix: string;
  /** Names the group's locks: `<lockPrefix>.<i>` per session, `<lockPrefix>.workers` for presence. */
  lockPrefix: string;
  /** How often a worker looks for sessions nobody holds and for its fair share. */
  checkMs: number;
  /** How long a released session may take to commit what it holds before it disconnects. */
  drainMs: number;
}

export interface SessionPoolStatus {
  held: number;
  total: number;
  /** Every held session is subscribed and the claims' connection is alive. */
  ready: boolean;
  /** Why a held session is not subscribed (its last socket error, e.g. a refused TLS handshake). */
  error?: string | undefined;
}

/**
 * The workers of one share group split a fixed set of persistent broker sessions between them,
 * each claimed with a PostgreSQL advisory lock (services/ingest README "Sessions").
 *
 * Why: a broker keeps a persistent session's share of a shared subscription when its client
 * dies. Mosquitto 2.0 goes on queueing the dead member's share there and hands nothing to the
 * others, so a killed worker's reports would wait until a process with its client id came back.
 * Here the session ids belong to the group, not to a process: a killed worker's connection to
 * PostgreSQL dies with it, its locks with the connection, and the next check of a live worker
 * claims the orphaned sessions and resumes them, with what the dead one had in flight.
 *
 * Each worker holds ceil(sessions / live workers): when one joins, the others release their
 * surplus (drained, session kept on the broker) and it claims them; when one leaves, the rest
 * claim its sessions. A consumer reconnects only while its lock's connection is alive, so two
 * processes never take a client id over from each other in a loop.
 */
export class BrokerSessionPool {
  private locks: LockSession | null = null;
  private readonly held = new Map<number, SharedSubscriptionConsumer>();
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;
  private stopped = false;
  private lockAlive = false;
  private signalStop!: () => void;
  /** Resolves on stop(): start() stops waiting for sessions a refusing broker never subscribes. */
  private readonly stopping = new Promise<void>((r) => {
    this.signalStop = r;
  });

  constructor(
    private readonly db: Db,
    private readonly config: SessionPoolConfig,
    private readonly makeConsumer: (clientId: string, hooks: { mayReconnect: () => Promise<boolean>; onLost: () => void }) => SharedSubscriptionConsumer,
    private readonly log: Logger,
  ) {}

  /**
   * Claims this worker's share and resolves when those sessions are subscribed (or when `stop`
   * is called first: a broker that refuses us keeps the claims retrying, not the caller waiting).
   */
  async start(): Promise<void> {
    const subscribed: Promise<void>[] = [];
    await this.check(subscribed);
    this.timer = setInterval(() => void this.check(), this.config.checkMs);
    this.timer.unref();
    await Promise.race([Promise.all(subscribed), this.stopping]);
  }

  /** One check at a time; the interval skips a tick while one runs. */
  private check(subscribed?: Promise<void>[]): Promise<void> {
    if (this.checking) return this.checking;
    this.checking = this.rebalance(subscribed)
      .catch((err: Error) => this.log.warn({ err: err.message }, 'ingest.sessions.check-failed'))
      .finally(() => {
        this.checking = null;
      });
    return this.checking;
  }

  private async rebalance(subscribed?: Promise<void>[]): Promise<void> {
    if (this.stopped) return;
    if (this.locks && !(await this.locks.alive())) {
      // The claims died with their connection (database restart, network): someone else may own
      // the sessions now. Let go of all of them; claim again once the database answers.
      this.log.warn({ held: this.held.size }, 'ingest.sessions.claims-lost');
      this.lockAlive = false;
      await this.releaseAll();
      await this.locks.close().catch(() => undefined);
      this.locks = null;
    }
    if (!this.locks) {
      const locks = await openLockSession(this.db);
      if (this.stopped) return void (await locks.close());
      await locks.join(`${this.config.lockPrefix}.workers`);
      this.locks = locks;
    }
    const locks = this.locks;
    this.lockAlive = true;
    const workers = Math.max(1, await locks.members(`${this.config.lockPrefix}.workers`));
    const share = Math.ceil(this.config.sessions / workers);
    const floor = Math.floor(this.config.sessions / workers);
    // A worker may hold ceil(sessions / workers); while another has fewer than floor(…) (it just
    // joined), those at floor or above hold only floor, so 4 sessions over 3 workers settle at
    // 2/1/1 rather than 2/2/0.
    const holdings = await locks.holdings(this.allLockNames());
    const least = holdings.length < workers ? 0 : Math.min(...holdings);
    const target = least < floor && this.held.size >= floor ? floor : share;
    // Surplus first: the highest-numbered sessions go back to the group, and this check claims
    // nothing, so a released session goes to whoever is short rather than straight back to us.
    const surplus = [...this.held.keys()].sort((a, b) => b - a).slice(0, Math.max(0, this.held.size - target));
    for (const i of surplus) {
      await this.releaseOne(i);
      this.log.info({ session: i, target, workers }, 'ingest.sessions.released');
    }
    if (surplus.length > 0) return;
    // Then claim up to the target, starting at a random session so workers do not all race for 0.
    const offset = Math.floor(Math.random() * this.config.sessions);
    for (let k = 0; k < this.config.sessions && this.held.size < target && !this.stopped; k++) {
      const i = (offset + k) % this.config.sessions;
      if (this.held.has(i) || !(await locks.tryLock(this.lockName(i)))) continue;
      const consumer = this.makeConsumer(`${this.config.clientIdPrefix}-${i}`, {
        mayReconnect: () => (this.locks === locks && this.held.get(i) === consumer ? locks.alive() : Promise.resolve(false)),
        onLost: () => {
          if (this.held.get(i) !== consumer) return;
          this.held.delete(i);
          void locks.unlock(this.lockName(i)).catch(() => undefined);
        },
      });
      this.held.set(i, consumer);
      this.log.info({ session: i, target, workers }, 'ingest.sessions.claimed');
      const ready = consumer.start();
      ready.catch((err: Error) => this.log.warn({ session: i, err: err.message }, 'ingest.sessions.connect-failed'));
      subscribed?.push(ready);
    }
  }

  private allLockNames(): string[] {
    return Array.from({ length: this.config.sessions }, (_, i) => this.lockName(i));
  }

  private lockName(i: number): string {
    return `${this.config.lockPrefix}.${i}`;
  }

  private async releaseOne(i: number): Promise<void> {
    const consumer = this.held.get(i);
    if (!consumer) return;
    this.held.delete(i);
    // Disconnect before unlocking: the next holder must not connect while we still drain.
    await consumer.release({ drainMs: this.config.drainMs });
    await this.locks?.unlock(this.lockName(i)).catch(() => undefined);
  }

  private async releaseAll(): Promise<void> {
    await Promise.all([...this.held.keys()].map((i) => this.releaseOne(i)));
  }

  /** Hands every held session back (drained, kept on the broker) and drops the claims. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.signalStop();
    if (this.timer) clearInterval(this.timer);
    await this.checking;
    await this.releaseAll();
    await this.locks?.close();
    this.locks = null;
  }

  status(): SessionPoolStatus {
    const consumers = [...this.held.values()];
    return {
      held: consumers.length, total: this.config.sessions, ready: this.lockAlive && consumers.every((c) => c.subscribed),
      error: consumers.find((c) => !c.subscribed && c.lastError)?.lastError,
    };
  }
}
