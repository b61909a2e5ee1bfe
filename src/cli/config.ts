/**
 * The config of `vigil sync`, `verify` and `watch`: the file named by `--config` (or
 * `VIGIL_CONFIG`), then the L1 trust flags over it. A file that cannot be read or parsed is
 * CONFIG_INVALID (exit 2); the "is the devnet running?" hint is given only where it can be the
 * answer: a missing `devnet.json` (the file `npm run devnet` writes).
 */
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { VigilError } from '../core/errors'
import { flagStr, type ParsedArgs } from '../node/args'
import { parseClientConfig, type ClientConfig } from '../client/shared/config'
import { applyTrustFlags } from './trust'

export async function loadConfigFile(path: string, from?: string): Promise<ClientConfig> {
  const origin = from ? ` (from ${from})` : ''
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message
    const devnet = code === 'ENOENT' && basename(path) === 'devnet.json'
    throw new VigilError('CONFIG_INVALID', `cannot read config ${path}${origin}: ${code}${devnet ? ' (is the devnet running? npm run devnet writes it)' : ''}`, { details: { path, reason: String(code), ...(devnet ? { devnet: true } : {}) } })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw new VigilError('CONFIG_INVALID', `config ${path}${origin} is not JSON: ${(e as Error).message}`, { details: { path } })
  }
  return parseClientConfig(json)
}

/** `--config` (required; VIGIL_CONFIG when absent) with the trust flags applied. */
export async function configFromArgs(args: ParsedArgs): Promise<ClientConfig> {
  const path = flagStr(args, 'config')
  if (!path) throw new VigilError('CONFIG_INVALID', `--config is required (or set VIGIL_CONFIG): vigil ${args.command ?? '<command>'} --config FILE`)
  return applyTrustFlags(args, await loadConfigFile(path, args.fromEnv.get('config')))
}
