import { type ChildProcess, spawn } from 'node:child_process'
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

/**
 * Runnable docs: the one parser and runner for the code blocks of `README.md` and `docs/*.md`
 * that CI executes (test/e2e/docs.test.ts on the clone's CLI, test/e2e/quickstart.test.ts on the
 * packed tarball).
 *
 * The markers live in the fence's info string, which GitHub does not render (it uses only the
 * first word, the language):
 *
 * - ```` ```sh test ```` — a shell block, run with `bash -e` in the project directory (one script
 *   per block, stdout and stderr together). A line ending in ` &` (a server) is started in the
 *   background; the runner waits until its `--port` accepts connections and stops it when the doc
 *   is done.
 * - ```` ```ts test ```` — TypeScript, run with `strata run` (so `strata-ml` resolves);
 *   ```` ```ts test file=features.ts ```` writes the block to that file instead (a definition
 *   file, a config) and runs nothing; ```` ```ts test append=pipelines.ts ```` appends it to that
 *   file (a doc that adds to a module it wrote earlier). Both work for any language.
 * - ```` ```python test ```` — run with the Python interpreter the caller gives (a pinned venv).
 * - ```` ```text output ```` right after a runnable block — the output lines it must print, in
 *   order (other lines may come between). Both sides are normalised first: ids, times, dates,
 *   durations, sizes, absolute paths and local addresses become placeholders, and runs of spaces
 *   one space, so a doc can show real output (`run 23ef95…: 666 training rows`, `in 3.6 s`).
 *
 * A doc can state what it builds on with an HTML comment, invisible on GitHub:
 * `<!-- docs-test: after quickstart.md -->` runs the quickstart's blocks first, in the same
 * directory; `<!-- docs-test: python serving -->` runs its python blocks in the venv of that
 * profile (`scripts/python-env.sh --serving`) instead of the default one.
 */
export interface DocBlock {
  /** The fence's language: `sh`, `ts`, `python`, `text`, ... */
  lang: string
  /** `file=...` for a ts block that is written rather than run. */
  file?: string
  /** `append=...` for a block that is appended to a file rather than run. */
  append?: string
  code: string
  /** 1-based line of the opening fence, for messages. */
  line: number
  /** The expected output (a following ```` ```text output ```` block), if the doc shows one. */
  output?: string
  /** Whether the block is marked runnable (`test` in its info string). */
  runnable: boolean
}

/** What a doc's `<!-- docs-test: ... -->` comment says. */
export interface DocDirectives {
  /** Docs whose blocks run first, in the same project directory. */
  after: string[]
  /** The venv profile of its python blocks (`python serving`), when not the default. */
  python?: string
}

const fence = /^```([^\n`]*)\n([\s\S]*?)^```[ \t]*$/gm

/** Every fenced code block of a markdown file, with its markers. */
export function docBlocks(markdown: string): DocBlock[] {
  const blocks: DocBlock[] = []
  for (const m of markdown.matchAll(fence)) {
    const words = (m[1] ?? '').trim().split(/\s+/).filter(Boolean)
    const lang = words[0] ?? ''
    const code = m[2] ?? ''
    const line = markdown.slice(0, m.index).split('\n').length
    const previous = blocks.at(-1)
    if (lang === 'text' && words.includes('output')) {
      if (previous === undefined || !previous.runnable || previous.output !== undefined)
        throw new Error(`line ${line}: a \`text output\` block must follow a runnable block`)
      previous.output = code
      continue
    }
    const file = words.find((w) => w.startsWith('file='))?.slice('file='.length)
    const append = words.find((w) => w.startsWith('append='))?.slice('append='.length)
    blocks.push({
      lang,
      code,
      line,
      runnable: words.includes('test'),
      ...(file ? { file } : {}),
      ...(append ? { append } : {}),
    })
  }
  return blocks
}

/** The `<!-- docs-test: ... -->` directives of a doc. */
export function docDirectives(markdown: string): DocDirectives {
  const after: string[] = []
  let python: string | undefined
  for (const m of markdown.matchAll(/<!--\s*docs-test:\s*([\s\S]*?)-->/g)) {
    const said = (m[1] ?? '').trim()
    const setup = /^after\s+(\S+)$/.exec(said)
    const venv = /^python\s+(\S+)$/.exec(said)
    if (setup?.[1] !== undefined) after.push(setup[1])
    else if (venv?.[1] !== undefined) python = venv[1]
    else
      throw new Error(
        `unknown docs-test directive "${said}" (expected "after <doc.md>" or "python <profile>")`,
      )
  }
  return { after, ...(python === undefined ? {} : { python }) }
}

/** One output line with ids, times, sizes, durations, paths and addresses as placeholders. */
export function normalizeLine(line: string): string {
  return (
    line
      // before versions: 127.0.0.1 would read as one
      .replace(/\b(?:127\.0\.0\.1|localhost|0\.0\.0\.0):\d+/g, '<host>')
      .replace(/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?/g, '<time>')
      .replace(/\b\d{4}-\d{2}-\d{2}\b/g, '<date>')
      .replace(/\bv?\d+\.\d+\.\d+(?:-[\w.]+)?\b/g, '<version>')
      .replace(/\b[0-9a-f]{12,64}\b/g, '<id>')
      // pipeline run ids: base-36 milliseconds and 12 hex digits (0mgk2yz9a3f29b131f3b9)
      .replace(/\b[0-9a-z]{9}[0-9a-f]{12}\b/g, '<id>')
      .replace(/(^|[\s(='"])(?:\/[\w.@+-]+)+\/?/g, '$1<path>')
      .replace(/\b\d+(?:\.\d+)?\s?(?:B|KiB|MiB|GiB|kB|MB|GB)\b/g, '<size>')
      .replace(/\b\d+(?:\.\d+)?\s?(?:ms|s|min|h)\b/g, '<duration>')
      .replace(/\s+/g, ' ')
      .trim()
  )
}

/**
 * Checks that every line a doc shows appears in the actual output, in order; returns what is
 * wrong, or undefined.
 */
export function compareOutput(expected: string, actual: string): string | undefined {
  const want = expected.split('\n').map(normalizeLine).filter(Boolean)
  const got = actual.split('\n').map(normalizeLine).filter(Boolean)
  let at = 0
  for (const line of want) {
    const found = got.indexOf(line, at)
    if (found === -1) {
      return [
        `the doc shows a line the command did not print (after the ones already matched):`,
        `  expected: ${line}`,
        `  output (normalised):`,
        ...got.map((g, i) => `  ${i < at ? ' ' : '>'} ${g}`),
      ].join('\n')
    }
    at = found + 1
  }
  return undefined
}

/** How to run a doc's blocks. */
export interface DocRunOptions {
  /** The project directory the blocks run in (created if missing). */
  cwd: string
  env: NodeJS.ProcessEnv
  /** Rewrites each line of a block before it runs (e.g. `npm install strata-ml` → a local tarball). */
  rewrite?: (line: string) => string
  /** The command that runs a TypeScript file (`strata run`), as argv. */
  runTs: string[]
  /** The Python interpreter for python blocks; required when the doc has one. */
  python?: string
}

/** The outcome of one block. */
export interface BlockResult {
  block: DocBlock
  output: string
}

/**
 * Runs the runnable blocks of a doc in order, as one terminal session would: a `cd` or a
 * variable set in one block holds for the next ones. Throws on the first block that fails or whose
 * output differs from what the doc shows, naming the doc line. Background servers a block starts
 * are stopped before it returns.
 */
export async function runDocBlocks(
  doc: string,
  blocks: DocBlock[],
  opts: DocRunOptions,
): Promise<BlockResult[]> {
  mkdirSync(opts.cwd, { recursive: true })
  const session: Session = { opts, state: mkdtempSync(join(tmpdir(), 'strata-doc-session-')), servers: [] }
  writeFileSync(join(session.state, 'cwd'), `${opts.cwd}\n`)
  writeFileSync(join(session.state, 'env'), '')
  const results: BlockResult[] = []
  try {
    for (const [index, block] of blocks.entries()) {
      if (!block.runnable) continue
      const where = `${doc}:${block.line}`
      const output = await runBlock(block, index, session).catch((err: Error) => {
        throw new Error(`${where}: ${err.message}`)
      })
      if (block.output !== undefined) {
        const wrong = compareOutput(block.output, output)
        if (wrong !== undefined) throw new Error(`${where}: ${wrong}`)
      }
      results.push({ block, output })
    }
  } finally {
    for (const server of session.servers) stop(server)
    rmSync(session.state, { recursive: true, force: true })
  }
  return results
}

/** A doc's run: its options, the directory holding the shell's cwd and exports, its servers. */
interface Session {
  opts: DocRunOptions
  state: string
  servers: ChildProcess[]
}

/** The current directory of the session's shell. */
function cwdOf(session: Session): string {
  return readFileSync(join(session.state, 'cwd'), 'utf8').trim()
}

async function runBlock(original: DocBlock, index: number, session: Session): Promise<string> {
  const { rewrite, runTs, python } = session.opts
  const block = rewrite ? { ...original, code: original.code.split('\n').map(rewrite).join('\n') } : original
  if (block.file !== undefined) {
    const path = join(cwdOf(session), block.file)
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, block.code)
    return ''
  }
  if (block.append !== undefined) {
    appendFileSync(join(cwdOf(session), block.append), `\n${block.code}`)
    return ''
  }
  switch (block.lang) {
    case 'sh':
    case 'bash':
      return runShell(block.code, session)
    case 'ts':
      return runFile(session, `.docs-block-${index}.ts`, block.code, runTs)
    case 'python':
      if (python === undefined) throw new Error('a python block needs a Python interpreter (none given)')
      return runFile(session, `.docs-block-${index}.py`, block.code, [python]).catch(arrowExitAbort)
    default:
      throw new Error(`a \`${block.lang} test\` block cannot run (sh, ts and python blocks can)`)
  }
}

/** Writes a block to a file in the session's directory, runs `command file` there, removes it. */
async function runFile(session: Session, name: string, code: string, command: string[]): Promise<string> {
  const path = join(cwdOf(session), name)
  writeFileSync(path, code)
  try {
    return await shell(session, [...command, name].map(quote).join(' '))
  } finally {
    rmSync(path, { force: true })
  }
}

async function runShell(code: string, session: Session): Promise<string> {
  let script: string[] = []
  let output = ''
  const flush = async () => {
    if (script.join('').trim() !== '') output += await shell(session, script.join('\n'))
    script = []
  }
  for (const line of code.split('\n')) {
    const background = /^(.*\S)\s*&\s*$/.exec(line)
    if (background?.[1] === undefined || background[1].endsWith('&')) {
      script.push(line)
      continue
    }
    await flush()
    const port = /--port[ =](\d+)/.exec(background[1])?.[1]
    if (port === undefined) throw new Error(`a background line needs --port <n> to wait for: ${line}`)
    const server = spawn('bash', ['-c', `${prelude(session)}\nexec ${background[1]}`], {
      env: session.opts.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let log = ''
    server.stdout?.on('data', (d: Buffer) => {
      log += d.toString()
    })
    server.stderr?.on('data', (d: Buffer) => {
      log += d.toString()
    })
    session.servers.push(server)
    await waitForPort(Number(port), server, () => log)
  }
  await flush()
  return output
}

/** Restores the session's directory and variables; on exit, records them for the next block. */
function prelude(session: Session): string {
  const cwd = quote(join(session.state, 'cwd'))
  const env = quote(join(session.state, 'env'))
  // every variable but bash's own and read-only ones, as a terminal keeps them between commands
  const own = String.raw`^declare -[^ ]*r|^declare -[^ ]* (BASH[A-Z_]*|FUNCNAME|GROUPS|PIPESTATUS|DIRSTACK|SHLVL|PWD|OLDPWD|SHELLOPTS|EUID|PPID|UID|RANDOM|SECONDS|LINENO|HISTCMD|EPOCH[A-Z]*|SRANDOM|COMP_WORDBREAKS|_)=`
  return `exec 2>&1\ncd "$(cat ${cwd})"\n. ${env}\ntrap 'pwd > ${cwd}; declare -p | grep -Ev "${own}" > ${env}' EXIT`
}

function quote(word: string): string {
  return /^[\w./=:@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`
}

/** Runs a script with `bash -e -o pipefail` in the session; resolves its output (stdout and stderr). */
function shell(session: Session, script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', `${prelude(session)}\n${script}`], {
      env: session.opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) resolve(out)
      else reject(new Error(`exit ${code}:\n${out}`))
    })
  })
}

/**
 * pyarrow can abort the interpreter at exit, after a script has done all its work, when one of
 * its native threads is still being torn down (`terminate called without an active exception`,
 * SIGABRT: apache/arrow#34314, open upstream; seen about once in a few CI runs of docs/python.md).
 * That one abort, and only after the script's last line, counts as the output printed before it
 * (which the doc's output block still checks), with a warning; any other failure stays a failure.
 */
function arrowExitAbort(err: Error): string {
  const abort =
    /^exit 134:\n([\s\S]*?)terminate called without an active exception\n[^\n]*Aborted[^\n]*\n?$/.exec(
      err.message,
    )
  if (abort === null) throw err
  console.warn('python block: pyarrow aborted at interpreter exit after the block ran (apache/arrow#34314)')
  return abort[1] ?? ''
}

function waitForPort(port: number, server: ChildProcess, log: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const exited = () => reject(new Error(`the background server exited:\n${log()}`))
    server.once('exit', exited)
    const attempt = () => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        server.off('exit', exited)
        resolve()
      })
      socket.once('error', () => {
        socket.destroy()
        if (server.exitCode === null) setTimeout(attempt, 200)
      })
    }
    attempt()
  })
}

function stop(server: ChildProcess): void {
  if (server.pid === undefined || server.exitCode !== null) return
  try {
    process.kill(-server.pid, 'SIGTERM')
  } catch {
    // already gone
  }
}
