/**
 * One start/stop contract for every component (js-libp2p's Startable, reduced): `start()`
 * returns once the component runs (its background work goes on), `stop()` resolves once it
 * stopped and holds nothing (timers, sockets, loops). `Components` starts a list in order
 * and stops it in reverse order, so whatever started later — and may use what started
 * before it — stops first.
 */
export interface Startable {
  start(): void | Promise<void>
  stop(): Promise<void>
}

export class Components {
  private readonly started: { name: string; c: Startable }[] = []

  /** Starts `c` now; it will be stopped before everything started earlier. */
  async start(name: string, c: Startable): Promise<void> {
    await c.start()
    this.started.push({ name, c })
  }

  /** Registers something already running (e.g. created started), stopped in the same reverse order. */
  adopt(name: string, stop: () => Promise<void> | void): void {
    this.started.push({ name, c: { start: () => undefined, stop: async () => stop() } })
  }

  /** Stops everything in reverse start order; a component that fails to stop does not keep the rest running. Returns the failures by name. */
  async stopAll(): Promise<{ name: string; error: unknown }[]> {
    const failed: { name: string; error: unknown }[] = []
    while (this.started.length) {
      const { name, c } = this.started.pop()!
      try {
        await c.stop()
      } catch (error) {
        failed.push({ name, error })
      }
    }
    return failed
  }

  /** Names in start order (tests, logs). */
  names(): string[] {
    return this.started.map((s) => s.name)
  }
}
