/**
 * The load generator's floor for `serving-peers.bench.ts`: a bare `node:http` server that answers
 * every `POST /v2/models/{name}/infer` at once with a canned Open Inference Protocol answer, so
 * the time the client spends against it is the client's own (and loopback's). Answers are looked
 * up by model name and request body length (the bench's bodies are fixed per model and row
 * count); `GET /v2/health/ready` answers 200. Nothing else is done per request: no JSON parse,
 * no model.
 *
 * Args: <port> <answers as JSON: { "<model>|<body length>": "<response body>" }>
 */
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'

const [port, answersFile] = process.argv.slice(2)
/** @type {Record<string, string>} */
const answers = JSON.parse(readFileSync(answersFile, 'utf8'))

const server = createServer((req, res) => {
  let length = 0
  req.on('data', (chunk) => {
    length += chunk.length
  })
  req.on('end', () => {
    const model = /^\/v2\/models\/([^/]+)\/infer$/.exec(req.url ?? '')?.[1]
    const body = req.url === '/v2/health/ready' ? '' : answers[`${model}|${length}`]
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: `no canned answer for ${req.url} with a ${length}-byte body` }))
      return
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  })
})
server.keepAliveTimeout = 60_000
server.listen(Number(port), '127.0.0.1')
