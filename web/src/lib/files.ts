import { useEffect, useState } from 'react'
import { ApiError, ConnectionError, client, type Loaded, useApi } from './api.js'
import { reportUnreachable } from './connection.js'
import { reportUnauthenticated } from './session.js'

/**
 * A file the API serves (an artifact, a model file): its URL, a plain link where the server
 * needs no token, and how to read it with the session's token in the `Authorization` header —
 * the token never goes into a URL (links are copied, logged and kept in the history).
 */
export interface ApiFile {
  url: string
  read(init?: { signal?: AbortSignal; headers?: Record<string, string> }): Promise<Response>
}

/** A run's artifact. */
export function artifactFile(runId: string, path: string): ApiFile {
  const input = { params: { id: runId, '*': path } }
  return {
    url: client.url('runs', 'getArtifact', input),
    read: (init) => client.request('runs', 'getArtifact', input, init),
  }
}

/** A stored file of a model version. */
export function modelFile(name: string, version: number, path: string): ApiFile {
  const input = { params: { name, version: String(version), '*': path } }
  return {
    url: client.url('models', 'getFile', input),
    read: (init) => client.request('models', 'getFile', input, init),
  }
}

/** Tells the session and the connection state about a failed read (401: sign in again). */
export function reportFileError(error: unknown): void {
  if (error instanceof ConnectionError) reportUnreachable()
  if (error instanceof ApiError && error.status === 401) reportUnauthenticated(error.message)
}

/**
 * Reads a file with the session's token and hands it to the browser as a download named
 * `name` (an object URL clicked with the `download` attribute, released afterwards).
 */
export async function saveFile(file: ApiFile, name: string): Promise<void> {
  const blob = await (await file.read()).blob()
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.style.display = 'none'
  document.body.append(a)
  a.click()
  a.remove()
  // the download has read the blob by the time the next tasks run; keep it a minute regardless
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/**
 * A file read with the session's token as an object URL (for `<img src>`), released when the
 * file changes or the view goes away.
 */
export function useObjectUrl(file: ApiFile): Loaded<string> {
  const blob = useApi(`blob:${file.url}`, async (signal) => (await file.read({ signal })).blob())
  const [url, setUrl] = useState<{ blob: Blob; url: string } | null>(null)
  const data = blob.status === 'ok' ? blob.data : null
  useEffect(() => {
    if (data === null) return
    const made = { blob: data, url: URL.createObjectURL(data) }
    setUrl(made)
    return () => URL.revokeObjectURL(made.url)
  }, [data])
  if (blob.status !== 'ok') return blob
  if (url === null || url.blob !== blob.data) return { status: 'loading' }
  return { status: 'ok', data: url.url }
}
