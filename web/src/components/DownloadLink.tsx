import { type MouseEvent, type ReactNode, useState } from 'react'
import { type ApiFile, reportFileError, saveFile } from '../lib/files.js'
import { storedToken } from '../lib/session.js'

/**
 * A download of a file the API serves. Without a token it is a plain link (the browser streams
 * the file). Signed in, a click reads the file with the token in the `Authorization` header and
 * hands it to the browser as a download: the token is never put in a URL.
 */
export function DownloadLink({
  file,
  name,
  label,
  children,
}: {
  file: ApiFile
  /** The name the download is saved under. */
  name: string
  /** The accessible name, when the text alone does not say what is downloaded. */
  label?: string
  children: ReactNode
}) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (storedToken() === null) return
    event.preventDefault()
    if (busy) return
    setBusy(true)
    setError(null)
    saveFile(file, name)
      .catch((err: unknown) => {
        reportFileError(err)
        setError(`Could not download ${name}: ${err instanceof Error ? err.message : String(err)}`)
      })
      .finally(() => setBusy(false))
  }
  return (
    <>
      <a href={file.url} download={name} aria-label={label} aria-busy={busy} onClick={onClick}>
        {children}
      </a>
      {error === null ? null : (
        <span className="inline-error" role="alert">
          {' '}
          {error}
        </span>
      )}
    </>
  )
}
