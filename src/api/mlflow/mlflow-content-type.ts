/**
 * Extensions MLflow's server sends as `text/plain` (mlflow/utils/mime_type_utils.py
 * `get_text_extensions`), so the web UI shows them as text; `MLmodel` and `mlproject` (MLflow's
 * file names without an extension) too.
 * The match is case-sensitive, as MLflow's.
 */
const TEXT = new Set([
  'txt',
  'log',
  'err',
  'cfg',
  'conf',
  'cnf',
  'cf',
  'ini',
  'properties',
  'prop',
  'hocon',
  'toml',
  'yaml',
  'yml',
  'xml',
  'json',
  'js',
  'py',
  'py3',
  'csv',
  'tsv',
  'md',
  'rst',
  'ipynb',
  'MLmodel',
  'mlproject',
])

/** Other extensions as Python's `mimetypes` (which MLflow's server asks) types them; lower case. */
const BY_EXTENSION: Record<string, string> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  ico: 'image/vnd.microsoft.icon',
  avif: 'image/avif',
  svg: 'image/svg+xml',
  html: 'text/html',
  htm: 'text/html',
  xhtml: 'application/xhtml+xml',
  css: 'text/css',
  mjs: 'text/javascript',
  sh: 'text/x-sh',
  sql: 'application/sql',
  json: 'application/json',
  zip: 'application/zip',
  tar: 'application/x-tar',
  tgz: 'application/x-tar',
  '7z': 'application/x-7z-compressed',
  h5: 'application/x-hdf5',
  rtf: 'application/rtf',
  doc: 'application/msword',
  xls: 'application/vnd.ms-excel',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  eps: 'application/postscript',
  ps: 'application/postscript',
  mp4: 'video/mp4',
  webm: 'video/webm',
  mov: 'video/quicktime',
  avi: 'video/x-msvideo',
  mp3: 'audio/mpeg',
  wav: 'audio/x-wav',
  ogg: 'audio/ogg',
  flac: 'audio/flac',
  aac: 'audio/aac',
  m4a: 'audio/mp4',
}

/**
 * The `Content-Type` MLflow's server sends for an artifact file named by `path`
 * (`_guess_mime_type`): MLflow's text extensions and `MLmodel` as `text/plain`, known types
 * (e.g. `.pdf` as `application/pdf`, `.png` as `image/png`), anything else
 * `application/octet-stream` (no charset, as MLflow's `send_file`).
 *
 * @example
 * mlflowContentType('plots/roc.pdf') // 'application/pdf'
 * mlflowContentType('model/MLmodel') // 'text/plain'
 */
export function mlflowContentType(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1)
  const dot = name.lastIndexOf('.')
  const ext = dot <= 0 ? name : name.slice(dot + 1)
  if (TEXT.has(ext)) return 'text/plain'
  if (dot <= 0) return 'application/octet-stream'
  if (name.toLowerCase().endsWith('.tar.gz')) return 'application/x-tar'
  return BY_EXTENSION[ext.toLowerCase()] ?? 'application/octet-stream'
}
