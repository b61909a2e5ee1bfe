/**
 * The explorer's `#/aztec` page in real Chromium, with NO devnet and no L1: paste the shared
 * mainnet checkpoint's propose calldata, see every offline check pass and the L1 checks marked
 * as needing L1; a copy with one signature byte flipped shows a coded failure; a transaction
 * hash without an L1 RPC is a coded error, not a guess. Screenshots: test-results/aztec-*.png.
 */
import { mkdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Hex } from '../../src/core/types'
import { launchBrowser, repoRoot, startVite, type LaunchedBrowser, type ViteHandle } from '../helpers/browser'

const VECTOR = join(repoRoot, '../shared/vectors/aztec-packages/ignition_mainnet_propose.json')
const shots = join(repoRoot, 'test-results')

/** One byte of the first committee signature's r flipped (attestations: 3 words + the bitmap word, then the packed data). */
function mutated(calldata: Hex): Hex {
  const b = Buffer.from(calldata.slice(2), 'hex')
  const attAt = 4 + Number(BigInt(`0x${b.subarray(4 + 21 * 32, 4 + 22 * 32).toString('hex')}`))
  const at = attAt + 0x80 + 32 + 10
  b[at] = b[at]! ^ 0x40
  return `0x${b.toString('hex')}`
}

let vite: ViteHandle
let browser: LaunchedBrowser
let calldata: Hex

beforeAll(async () => {
  await mkdir(shots, { recursive: true })
  calldata = (JSON.parse(await readFile(VECTOR, 'utf8')) as { proposeCalldata: Hex }).proposeCalldata
  // no devnet: the page must work offline
  vite = await startVite({ mode: 'dev', devnetConfigPath: join(tmpdir(), 'vigil-no-devnet', 'devnet.json') })
  browser = await launchBrowser()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await vite?.close()
})

async function check(input: string) {
  const { page } = browser
  await page.getByTestId('aztec-input').fill(input)
  await page.getByTestId('aztec-check').click()
}

describe('#/aztec: an Aztec checkpoint from its L1 input, offline', () => {
  it('the real propose(): every offline check passes, the L1 checks need L1', async () => {
    const { page } = browser
    await page.goto(`${vite.url}#/aztec`)
    await page.getByTestId('aztec-page').waitFor({ timeout: 60_000 })
    await check(calldata)
    const report = page.getByTestId('net-report')
    await report.waitFor({ timeout: 30_000 })
    expect(await report.getAttribute('data-ok')).toBe('true')
    expect(await report.getAttribute('data-network')).toBe('aztec-ignition')
    const rows = await page.locator('[data-testid^="net-check-"]').evaluateAll((els) => els.map((el) => {
      const e = el as unknown as { getAttribute(n: string): string | null } // runs in Chromium; no DOM types here
      return [e.getAttribute('data-testid')!.slice('net-check-'.length), e.getAttribute('data-status')]
    }))
    const offline = rows.filter(([name]) => !name!.startsWith('l1-') && name !== 'slot-proposer' && name !== 'tx-blob-hashes')
    expect(offline.length).toBeGreaterThanOrEqual(10)
    expect(offline.every(([, s]) => s === 'pass')).toBe(true)
    const l1 = rows.filter(([name]) => name!.startsWith('l1-'))
    expect(l1.length).toBeGreaterThanOrEqual(4)
    expect(l1.every(([, s]) => s === 'needs-l1')).toBe(true)
    expect(rows.some(([, s]) => s === 'fail')).toBe(false)
    expect(await page.getByTestId('net-summary').textContent()).toMatch(/Every offline check passed/)
    expect(await page.getByTestId('net-committee').getAttribute('data-size')).toBe('24')
    expect(await page.locator('[data-testid="net-fields"] [data-field="header sha256"]').getAttribute('data-value')).toBe('0x3131d173805cf8f10d0772243bc1324bcb0392f149ef6c581d49ad217d345f3d')
    await page.screenshot({ path: join(shots, 'aztec-pass.png'), fullPage: true })
  }, 90_000)

  it('a mutated signature: a coded failure', async () => {
    const { page } = browser
    await check(mutated(calldata))
    await page.locator('[data-testid="net-report"][data-ok="false"]').waitFor({ timeout: 30_000 })
    const failed = page.locator('[data-testid^="net-check-"][data-status="fail"]')
    expect(await failed.count()).toBeGreaterThan(0)
    expect(await failed.first().getAttribute('data-code')).toMatch(/^[A-Z_]+$/)
    expect(await page.getByTestId('net-summary').textContent()).toMatch(/Invalid/)
    await page.screenshot({ path: join(shots, 'aztec-fail.png'), fullPage: true })
  }, 60_000)

  it('garbage is one coded failure; a tx hash without an L1 RPC is a coded error', async () => {
    const { page } = browser
    await check('0xdeadbeef')
    await page.locator('[data-testid="net-report"][data-ok="false"]').waitFor({ timeout: 30_000 })
    expect(await page.locator('[data-testid="net-check-call"]').getAttribute('data-status')).toBe('fail')
    await page.getByTestId('aztec-rpc').fill('')
    await check(`0x${'ab'.repeat(32)}`)
    await page.getByTestId('aztec-error').waitFor({ timeout: 10_000 })
    expect(await page.getByTestId('aztec-error').getAttribute('data-code')).toBe('CONFIG_INVALID')
    expect(browser.logs.filter((l) => l.startsWith('pageerror'))).toEqual([])
  }, 60_000)
})
