/**
 * Settings: L1 RPC URLs (independent, k of n must agree), source URLs (on/off), bootstrap peers,
 * light/full mode, theme; storage used and "clear". Saved in localStorage and applied every
 * time the client starts ("Save and restart" restarts it now; a reload applies them too).
 */
import { useEffect, useState, type FormEvent } from 'react'
import type { ClientConfig } from '../../client/shared/config'
import { parseClientConfig } from '../../client/shared/config'
import type { StorageInfo } from '../../client/shared/types'
import type { VigilError } from '../../core/errors'
import { formatBytes, formatCount } from '../format'
import { Section } from '../parts'
import { applyTheme, inputValue, type ThemeChoice } from '../platform'
import { SOURCE_URL_FIELDS, applySettings, chainKey, lines, loadSettings, saveSettings, type Settings } from '../settings'

interface SettingsClient {
  readonly config: ClientConfig
  storage(): Promise<StorageInfo>
  clearStore(): Promise<void>
}

export function SettingsPage({ client, onRestart }: { client: SettingsClient | null; onRestart?: () => void }) {
  const config = client?.config ?? null
  const saved = loadSettings()
  const key = config ? chainKey(config) : ''
  const chain = saved.chains?.[key] ?? {}
  const cfgRec = (config ?? {}) as unknown as Record<string, unknown>
  const [rpc, setRpc] = useState((chain.l1RpcUrls ?? config?.l1.rpcUrls ?? []).join('\n'))
  const [quorum, setQuorum] = useState(String(chain.l1Quorum ?? config?.l1.quorum ?? ''))
  const [peers, setPeers] = useState((chain.bootstrap ?? config?.bootstrap ?? []).join('\n'))
  const [mode, setMode] = useState<'light' | 'full'>(saved.mode ?? config?.mode ?? 'light')
  const [theme, setTheme] = useState<ThemeChoice>(saved.theme ?? 'system')
  const [pageP2P, setPageP2P] = useState(saved.pageP2P === true)
  const [fromSnapshot, setFromSnapshot] = useState(saved.fromSnapshot === true)
  const [trusted, setTrusted] = useState(chain.trustedHeader ?? (config?.trustedHeader ? `${config.trustedHeader.height}:${config.trustedHeader.hash}` : ''))
  const [sources, setSources] = useState<Record<string, string>>(() =>
    Object.fromEntries(SOURCE_URL_FIELDS.map((f) => [f.key, chain.sources && f.key in chain.sources ? (chain.sources[f.key] ?? '') : typeof cfgRec[f.key] === 'string' ? (cfgRec[f.key] as string) : ''])),
  )
  const [problem, setProblem] = useState<string | null>(null)
  const [status, setStatus] = useState<string | null>(null)
  const [storage, setStorage] = useState<StorageInfo | null>(null)
  const [storageError, setStorageError] = useState<VigilError | null>(null)
  const [confirmClear, setConfirmClear] = useState(false)
  const [clearing, setClearing] = useState(false)

  const refreshStorage = () => {
    client?.storage().then(
      (s) => (setStorage(s), setStorageError(null)),
      (e: VigilError) => setStorageError(e),
    )
  }
  useEffect(refreshStorage, [client])

  const build = (): Settings => {
    const s: Settings = { ...saved, mode, theme, pageP2P, fromSnapshot, chains: { ...(saved.chains ?? {}) } }
    if (config) {
      s.chains![key] = {
        l1RpcUrls: lines(rpc),
        ...(quorum.trim() ? { l1Quorum: quorum.trim() } : {}),
        bootstrap: lines(peers),
        sources: Object.fromEntries(SOURCE_URL_FIELDS.map((f) => [f.key, sources[f.key]?.trim() ? sources[f.key]!.trim() : null])),
        ...(trusted.trim() ? { trustedHeader: trusted.trim() } : {}),
      }
    }
    return s
  }

  const save = (e: FormEvent) => {
    e.preventDefault()
    setStatus(null)
    const s = build()
    if (config) {
      try {
        // the same validation the client applies at start: a bad URL is named here, not at restart
        parseClientConfig(applySettings(config, s))
      } catch (err) {
        setProblem((err as Error).message)
        return
      }
    }
    setProblem(null)
    if (!saveSettings(s)) {
      setProblem('This browser does not allow saving settings here (storage disabled).')
      return
    }
    applyTheme(theme)
    setStatus('Saved. Restarting the light client with these settings…')
    onRestart?.()
  }

  const reset = () => {
    const s: Settings = { ...saved, chains: { ...(saved.chains ?? {}) } }
    delete s.chains![key]
    delete s.mode
    saveSettings(s)
    setStatus('Chain settings reset to the config’s. Restarting…')
    onRestart?.()
  }

  const clear = () => {
    if (!client) return
    setClearing(true)
    client.clearStore().then(
      () => {
        setClearing(false)
        setConfirmClear(false)
        setStatus('Stored data deleted; syncing again from scratch.')
        refreshStorage()
      },
      (e: VigilError) => {
        setClearing(false)
        setStorageError(e)
      },
    )
  }

  const total = storage ? storage.counts.blocks + storage.counts.bodies : 0
  return (
    <>
      <Section id="settings" title="Settings" data-testid="settings-page">
        <form className="settings-form" onSubmit={save} noValidate>
          <fieldset>
            <legend>L1 RPC URLs</legend>
            <label htmlFor="set-rpc" className="help">
              One per line, from independent operators: each is its own source, every answer is proven against the L1 anchor, and an RPC that claims otherwise is named on the dashboard (L1
              trust). An RPC quorum over one operator is one operator.
            </label>
            <textarea id="set-rpc" rows={3} value={rpc} onChange={(e) => setRpc(inputValue(e))} spellCheck={false} data-testid="settings-rpc" />
            <div className="field-row">
              <label htmlFor="set-quorum">RPCs that must agree (k)</label>
              <input id="set-quorum" type="text" inputMode="numeric" value={quorum} placeholder="a majority" onChange={(e) => setQuorum(inputValue(e))} aria-describedby="set-quorum-help" data-testid="settings-quorum" />
              <span id="set-quorum-help" className="help">
                An L1 block anchors only when k of the {lines(rpc).length} RPCs report the same hash for it. Empty: a majority. A consensus light client, where configured, outranks the quorum.
              </span>
            </div>
          </fieldset>
          <fieldset>
            <legend>Sources</legend>
            {SOURCE_URL_FIELDS.map((f) => (
              <div className="field-row" key={f.key}>
                <label htmlFor={`set-${f.key}`}>{f.label}</label>
                <input id={`set-${f.key}`} type="url" value={sources[f.key] ?? ''} placeholder="off" onChange={(e) => setSources({ ...sources, [f.key]: inputValue(e) })} spellCheck={false} aria-describedby={`set-${f.key}-help`} data-testid={`settings-${f.key}`} />
                <span id={`set-${f.key}-help`} className="help">
                  {f.help} Empty: off.
                </span>
              </div>
            ))}
          </fieldset>
          <fieldset>
            <legend>Bootstrap peers</legend>
            <label htmlFor="set-peers" className="help">
              libp2p multiaddrs, one per line (WebSockets from the worker; WebRTC-direct from the page).
            </label>
            <textarea id="set-peers" rows={4} value={peers} onChange={(e) => setPeers(inputValue(e))} spellCheck={false} data-testid="settings-peers" />
          </fieldset>
          <fieldset className="inline-choices">
            <legend>Mode</legend>
            <label>
              <input type="radio" name="mode" value="light" checked={mode === 'light'} onChange={() => setMode('light')} data-testid="settings-mode-light" /> Light: headers only (bodies fetched on demand)
            </label>
            <label>
              <input type="radio" name="mode" value="full" checked={mode === 'full'} onChange={() => setMode('full')} data-testid="settings-mode-full" /> Full: bodies too, stored
            </label>
          </fieldset>
          <fieldset>
            <legend>First start</legend>
            <label>
              <input type="checkbox" checked={fromSnapshot} onChange={(e) => setFromSnapshot((e.target as unknown as { checked: boolean }).checked)} data-testid="settings-from-snapshot" /> Start
              from the latest snapshot when nothing is stored yet: checked against L1 (the committee and the attestations of the checkpoint it ends at), then synced forward.
              Faster than syncing from genesis; history below the snapshot is not fetched.
            </label>
            <div className="field-row">
              <label htmlFor="set-trusted">Trusted header</label>
              <input id="set-trusted" type="text" value={trusted} placeholder="height:0xhash (optional)" onChange={(e) => setTrusted(inputValue(e))} spellCheck={false} aria-describedby="set-trusted-help" data-testid="settings-trusted" />
              <span id="set-trusted-help" className="help">
                A block you trust (e.g. from a friend or a block explorer you already trust): peers are asked for it, its hash and signature are checked, and history
                is synced forward from it; nothing below it is fetched from peers. Empty: from the stored head or genesis.
              </span>
            </div>
          </fieldset>
          <fieldset>
            <legend>Browser peers</legend>
            <label>
              <input type="checkbox" checked={pageP2P} onChange={(e) => setPageP2P((e.target as unknown as { checked: boolean }).checked)} data-testid="settings-page-p2p" /> Connect to other browsers over WebRTC
              (through the relay): serve what this tab holds and sync from them. libp2p then runs on this page; verification and storage stay in the worker.
            </label>
          </fieldset>
          <fieldset className="inline-choices">
            <legend>Theme</legend>
            {(['system', 'light', 'dark'] as const).map((t) => (
              <label key={t}>
                <input type="radio" name="theme" value={t} checked={theme === t} onChange={() => (setTheme(t), applyTheme(t))} /> {t === 'system' ? 'as the system' : t}
              </label>
            ))}
          </fieldset>
          {problem ? (
            <p className="error-line" role="alert" data-testid="settings-problem">
              <code className="err-code">CONFIG_INVALID</code> {problem}
            </p>
          ) : null}
          <div className="actions">
            <button type="submit" className="button" data-testid="settings-save">
              Save and restart
            </button>
            <button type="button" className="button button-secondary" onClick={reset}>
              Reset to the chain config
            </button>
            <span role="status" className="muted small" data-testid="settings-status">
              {status}
            </span>
          </div>
        </form>
      </Section>

      <Section id="storage" title="Storage" data-testid="storage">
        {storageError ? (
          <p className="error-line" role="alert">
            <code className="err-code">{storageError.code}</code> {storageError.message}
          </p>
        ) : null}
        {storage ? (
          <>
            <dl className="fields">
              <div className="field">
                <dt>Used</dt>
                <dd data-testid="storage-usage">
                  {formatBytes(storage.usage)}
                  {storage.quota ? <span className="muted"> of {formatBytes(storage.quota)} allowed</span> : null}
                </dd>
              </div>
              <div className="field">
                <dt>Blocks</dt>
                <dd data-testid="storage-blocks">{formatCount(storage.counts.blocks)}</dd>
              </div>
              <div className="field">
                <dt>Bodies</dt>
                <dd>{formatCount(storage.counts.bodies)}</dd>
              </div>
              <div className="field">
                <dt>Checkpoints</dt>
                <dd>{formatCount(storage.counts.checkpoints)}</dd>
              </div>
              <div className="field">
                <dt>Indexed transactions</dt>
                <dd>{formatCount(storage.counts.txs)}</dd>
              </div>
              <div className="field">
                <dt>Store</dt>
                <dd>
                  <code>{storage.storeName}</code>
                  {storage.persisted === true ? ' (persistent)' : storage.persisted === false ? ' (may be evicted under storage pressure)' : ''}
                </dd>
              </div>
            </dl>
            <div className="actions">
              {confirmClear ? (
                <>
                  <span className="warn">Delete {formatCount(total)} stored blocks and bodies and sync again from scratch?</span>
                  <button type="button" className="button button-danger" onClick={clear} disabled={clearing} data-testid="clear-confirm">
                    {clearing ? 'Deleting…' : 'Delete'}
                  </button>
                  <button type="button" className="button button-secondary" onClick={() => setConfirmClear(false)}>
                    Cancel
                  </button>
                </>
              ) : (
                <button type="button" className="button button-secondary" onClick={() => setConfirmClear(true)} data-testid="clear-store">
                  Clear stored data…
                </button>
              )}
            </div>
          </>
        ) : storageError ? null : (
          <p className="muted" role="status">
            Measuring…
          </p>
        )}
      </Section>

      {config ? (
        <Section id="active-config" title="Active config" data-testid="active-config">
          <p className="muted small">What the client runs with now: the chain config with the saved settings applied.</p>
          <pre className="raw" data-testid="active-config-json">
            {JSON.stringify(config, null, 2)}
          </pre>
        </Section>
      ) : null}
    </>
  )
}
