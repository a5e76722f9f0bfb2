import { useState } from 'react'
import { client, useApi } from '../lib/api.js'
import { type ApiFile, artifactFile, useObjectUrl } from '../lib/files.js'
import { formatBytes } from '../lib/format.js'
import { DownloadLink } from './DownloadLink.js'
import { ErrorView, Loading } from './states.js'

const TEXT =
  /\.(txt|log|err|json|ya?ml|csv|tsv|md|py|ts|js|toml|ini|cfg|conf|xml|html?|MLmodel)$|(^|\/)MLmodel$/i
const IMAGE = /\.(png|jpe?g|gif|bmp|webp|svg)$/i
const PREVIEW_BYTES = 256 * 1024

/** A text artifact's first 256 KiB, shown as text (never as HTML, whatever its extension). */
function TextPreview({ file }: { file: ApiFile }) {
  const text = useApi(`text:${file.url}`, async (signal) =>
    (await file.read({ signal, headers: { range: `bytes=0-${PREVIEW_BYTES - 1}` } })).text(),
  )
  if (text.status === 'loading') return <Loading what="the preview" />
  if (text.status === 'error') return <ErrorView error={text.error} what="the preview" />
  return <pre className="preview">{text.data}</pre>
}

/** An image artifact, read with the session's token (so no token in the `src`). */
function ImagePreview({ file, path }: { file: ApiFile; path: string }) {
  const src = useObjectUrl(file)
  if (src.status === 'loading') return <Loading what="the preview" />
  if (src.status === 'error') return <ErrorView error={src.error} what="the preview" />
  return <img className="preview" src={src.data} alt={`Artifact ${path}`} />
}

/** A run's artifact tree: folders open in place, files download, text and images preview. */
export function Artifacts({ runId }: { runId: string }) {
  const [path, setPath] = useState('')
  const [preview, setPreview] = useState<string | null>(null)
  const listing = useApi(`artifacts:${runId}:${path}`, (signal) =>
    client.call('runs', 'listArtifacts', { params: { id: runId }, query: { path } }, { signal }),
  )
  const file = (p: string) => artifactFile(runId, p)
  const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : ''
  return (
    <div className="split">
      <div>
        <p className="muted">
          {path === '' ? (
            'artifacts /'
          ) : (
            <>
              <button type="button" className="link" onClick={() => setPath(parent)}>
                ..
              </button>{' '}
              / {path}
            </>
          )}
        </p>
        {listing.status === 'loading' ? <Loading what="artifacts" /> : null}
        {listing.status === 'error' ? <ErrorView error={listing.error} what="artifacts" /> : null}
        {listing.status === 'ok' && listing.data.length === 0 ? (
          <p className="muted">No artifacts logged.</p>
        ) : null}
        {listing.status === 'ok' && listing.data.length > 0 ? (
          <ul className="files">
            {listing.data.map((entry) => {
              const name = entry.path.slice(entry.path.lastIndexOf('/') + 1)
              return (
                <li key={entry.path}>
                  {entry.isDir ? (
                    <button type="button" className="link" onClick={() => setPath(entry.path)}>
                      {name}/
                    </button>
                  ) : (
                    <>
                      <button type="button" className="link" onClick={() => setPreview(entry.path)}>
                        {name}
                      </button>{' '}
                      <span className="muted">{formatBytes(entry.fileSize)}</span>{' '}
                      <DownloadLink file={file(entry.path)} name={name} label={`Download ${name}`}>
                        download
                      </DownloadLink>
                    </>
                  )}
                </li>
              )
            })}
          </ul>
        ) : null}
      </div>
      <div>
        {preview === null ? (
          <p className="muted">Choose a file to preview it.</p>
        ) : IMAGE.test(preview) ? (
          <ImagePreview key={preview} file={file(preview)} path={preview} />
        ) : TEXT.test(preview) ? (
          <TextPreview file={file(preview)} />
        ) : (
          <p>
            No preview for this file type.{' '}
            <DownloadLink file={file(preview)} name={preview.slice(preview.lastIndexOf('/') + 1)}>
              Download {preview}
            </DownloadLink>
          </p>
        )}
      </div>
    </div>
  )
}
