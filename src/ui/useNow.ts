/**
 * `useNow()`: the current time, re-rendering the caller once a second. One shared interval
 * serves every subscriber (it runs only while something is mounted). A `NowContext` value
 * pins the time, for server rendering and tests.
 */
import { createContext, useContext, useSyncExternalStore } from 'react'

export const NowContext = createContext<number | null>(null)
export const NowProvider = NowContext.Provider

const TICK_MS = 1000
let current = Date.now()
let timer: ReturnType<typeof setInterval> | null = null
const listeners = new Set<() => void>()

function subscribe(listener: () => void): () => void {
  listeners.add(listener)
  if (timer === null) {
    current = Date.now()
    timer = setInterval(() => {
      current = Date.now()
      for (const l of listeners) l()
    }, TICK_MS)
  }
  return () => {
    listeners.delete(listener)
    if (listeners.size === 0 && timer !== null) {
      clearInterval(timer)
      timer = null
    }
  }
}

const getSnapshot = () => current

export function useNow(): number {
  const pinned = useContext(NowContext)
  const ticking = useSyncExternalStore(subscribe, getSnapshot, getSnapshot)
  return pinned ?? ticking
}
