/**
 * The `beacon-down` fault: while active (read from `ctx.faults` on every request), the
 * gateway's beacon API route answers 503 instead of proxying to anvil, so clients must get
 * the bodies of mined blocks from somewhere else (file store, req/resp).
 */
import { sendJson } from '../gateway'
import type { DevnetService } from '../context'

export const beaconFaultService: DevnetService = async (ctx) => {
  ctx.gateway.addRoute(
    (_req, res, url) => {
      if (!url.pathname.startsWith('/eth/v1/beacon/') || !ctx.faults.has('beacon-down')) return false
      res.setHeader('retry-after', '1')
      sendJson(res, 503, { code: 'SOURCE_UNAVAILABLE', message: 'beacon API is down (fault beacon-down)' })
      return true
    },
    { first: true },
  )
}
