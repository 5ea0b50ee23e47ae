/** What every service factory returns (STYLE.md §3). */
export interface Service {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts services in order and stops the started ones in reverse; a start failure unwinds. */
export async function startAll(services: Service[]): Promise<() => Promise<void>> {
  const started: Service[] = [];
  try {
    for (const s of services) {
      await s.start();
      started.push(s);
    }
  } catch (err) {
    await stopAll(started);
    throw err;
  }
  return () => stopAll(started);
}

async function stopAll(started: Service[]): Promise<void> {
  for (const s of [...started].reverse()) {
    try {
      await s.stop();
    } catch {
      // keep stopping the rest; the caller's logs already show the failure path
    }
  }
}
