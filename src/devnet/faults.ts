/**
 * Fault knobs: `npm run devnet -- --fault NAME` (repeatable) and the admin endpoint. Each
 * name listed here is implemented by the devnet; unknown names are refused.
 */
export const FAULTS: Record<string, string> = {}

export function checkFaults(names: string[]): string[] {
  return names.filter((n) => !(n in FAULTS))
}
