/** The module Web Worker of bench/bls.ts: runs bench/bls-cases.ts on the message it gets. */
import { measureNoble, type BlsInput } from './bls-cases'

const scope = globalThis as unknown as { onmessage: ((e: { data: { input: BlsInput; runs: number } }) => void) | null; postMessage(v: unknown): void }
scope.onmessage = (e) => scope.postMessage(measureNoble(e.data.input, e.data.runs))
