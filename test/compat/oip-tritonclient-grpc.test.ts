import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import protobuf from 'protobufjs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { INFERENCE_PROTO_PATH } from '../../src/api/index.js'
import { openStrata } from '../../src/platform/index.js'
import { CHALLENGERS } from '../support/delivery-models.js'
import {
  BYTES_PREDICTOR_TS,
  BYTES_SIGNATURE,
  INT64_PREDICTOR_TS,
  INT64_SIGNATURE,
  linearOnnx,
  linearSignature,
} from '../support/serving-models.js'
import { type TempProject, tempProject } from '../support/temp-project.js'
import { expectScriptPassed, runCompatScript } from './compat-script.js'
import { pythonClient } from './python-client.js'
import { type StrataServerProcess, startStrataServer } from './strata-server-process.js'

/**
 * The stock `tritonclient[grpc]` Python client and KServe's own `InferenceRESTClient` (v2) and
 * `InferenceGRPCClient` against a real `strata server --grpc-port 0`, and
 * Strata's `proto/inference.proto` checked field by field against the client's own compiled
 * `grpc_service.proto`. The venv comes from `scripts/python-env.sh --serving`
 * (STRATA_TEST_PYTHON_SERVING); without it the suite is skipped locally and fails in CI.
 */
const client = pythonClient('STRATA_TEST_PYTHON_SERVING', '--serving')
const python = client.python
const scripts = new URL('./python/', import.meta.url).pathname

const STEPS = [
  'server live, ready and metadata',
  'model ready and metadata, versioned and not',
  "infer FP32 with raw contents (the client's default)",
  'infer INT64 with raw contents, exact beyond 2^53, requested output, request id, pinned version',
  'infer FP32 and INT64 with typed contents',
  'infer BYTES with raw and typed contents (UTF-8, empty and multi-byte strings)',
  'concurrent async_infer calls each get their own rows',
  'client mistakes: exact status codes and messages',
  'a canary deployment answers over gRPC naming the version that answered, as REST does',
]

const KSERVE_STEPS = [
  'REST: server live and ready, model ready (known, unknown)',
  'REST: infer FP32 as JSON, request id echoed, prediction id in the parameters',
  'REST: infer with binary tensor data in and out',
  'REST: INT64 beyond 2^53 as binary data (refused as JSON), BYTES (UTF-8, empty, multi-byte) as JSON',
  'REST: concurrent calls each get their own rows',
  "REST: client mistakes are 400 with the server's message, unknown models 404",
  'gRPC: server live and ready, model ready (known, unknown)',
  'gRPC: infer FP32 (typed contents), pinned version, requested output, request id',
  'gRPC: INT64 beyond 2^53 and BYTES',
  'gRPC: concurrent calls each get their own rows',
  "gRPC: client mistakes are INVALID_ARGUMENT with the server's message, unknown models NOT_FOUND",
]

client.describe(
  'Open Inference Protocol v2 over gRPC: the stock tritonclient[grpc] and KServe clients against strata server',
  () => {
    let project: TempProject
    let server: StrataServerProcess
    const canaryVersions: number[] = []

    beforeAll(async () => {
      project = await tempProject('strata-oip-grpc-compat-')
      expect((await project.cli('init', '--bare')).code).toBe(0)
      const strata = await openStrata({ cwd: project.dir, env: {} })
      const registry = await strata.registry()
      await registry.registerVersion('linear', { onnx: linearOnnx() })
      await registry.setAlias('linear', 'champion', 1)
      const candidate = await registry.registerVersion('linear', {
        files: [{ path: 'predictor.ts', bytes: new TextEncoder().encode(CHALLENGERS.good) }],
        signature: await linearSignature(),
      })
      canaryVersions.push(1, candidate.version)
      await registry.registerVersion('sums', {
        files: [{ path: 'predictor.ts', bytes: new TextEncoder().encode(INT64_PREDICTOR_TS) }],
        signature: INT64_SIGNATURE,
      })
      await registry.registerVersion('echo', {
        files: [{ path: 'predictor.ts', bytes: new TextEncoder().encode(BYTES_PREDICTOR_TS) }],
        signature: BYTES_SIGNATURE,
      })
      await (await strata.delivery()).create('linear-canary', {
        model: 'linear',
        candidate: candidate.version,
        strategy: 'canary',
        steps: [50],
        sticky: { header: 'x-user-id' },
        intervalMs: 3_600_000,
      })
      await strata.close()
      server = await startStrataServer(project.dir, {}, [
        '--model',
        'models:/linear@champion',
        '--model',
        'sums',
        '--model',
        'echo',
        '--grpc-port',
        '0',
      ])
    }, 120_000)
    afterAll(async () => {
      await server?.stop()
      await project?.[Symbol.asyncDispose]()
    })

    it('passes every step of compat_triton_grpc.py', async () => {
      expect(server.grpc).toMatch(/^127\.0\.0\.1:\d+$/)
      const result = await runCompatScript(python as string, [join(scripts, 'compat_triton_grpc.py')], {
        STRATA_OIP_GRPC: server.grpc as string,
        STRATA_OIP_URL: server.url.replace(/^http:\/\//, ''),
        STRATA_OIP_MODEL: 'linear',
        STRATA_OIP_INT64_MODEL: 'sums',
        STRATA_OIP_BYTES_MODEL: 'echo',
        STRATA_OIP_DEPLOYMENT: 'linear-canary',
        STRATA_OIP_CANARY_VERSIONS: canaryVersions.join(','),
      })
      expectScriptPassed(result, STEPS, server)
    })

    it("passes every step of compat_kserve.py with KServe's own REST (v2) and gRPC clients", async () => {
      const result = await runCompatScript(python as string, [join(scripts, 'compat_kserve.py')], {
        STRATA_OIP_GRPC: server.grpc as string,
        STRATA_OIP_URL: server.url,
        STRATA_OIP_MODEL: 'linear',
        STRATA_OIP_INT64_MODEL: 'sums',
        STRATA_OIP_BYTES_MODEL: 'echo',
      })
      expectScriptPassed(result, KSERVE_STEPS, server)
    })

    it("declares every message of proto/inference.proto with the client's field numbers and types", async () => {
      const ours = protobuf
        .parse(readFileSync(INFERENCE_PROTO_PATH, 'utf8'), { keepCase: true })
        .root.lookup('inference') as protobuf.Namespace
      const messages: Record<string, Record<string, [number, string, string]>> = {}
      const walk = (ns: protobuf.NamespaceBase, prefix: string) => {
        for (const nested of ns.nestedArray) {
          if (nested instanceof protobuf.Type) {
            const name = `${prefix}${nested.name}`
            messages[name] = Object.fromEntries(
              nested.fieldsArray.map((f) => [
                f.name,
                [
                  f.id,
                  f instanceof protobuf.MapField ? `map<${f.keyType},${f.type}>` : f.type,
                  f.repeated ? 'repeated' : '',
                ],
              ]),
            )
            walk(nested, `${name}.`)
          }
        }
      }
      walk(ours, '')
      // the same view of the client's compiled descriptor (tritonclient/grpc/service_pb2)
      const script = `
import json, sys
from tritonclient.grpc import service_pb2
from google.protobuf.descriptor import FieldDescriptor as F
names = json.loads(sys.argv[1])
types = {v: k[5:].lower() for k, v in vars(F).items() if k.startswith("TYPE_")}
out = {}
for name in names:
    d = service_pb2.DESCRIPTOR.message_types_by_name[name.split(".")[0]]
    for part in name.split(".")[1:]:
        d = d.nested_types_by_name[part]
    fields = {}
    for f in d.fields:
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            k, v = f.message_type.fields
            fields[f.name] = [f.number, "map<%s,%s>" % (types[k.type], v.message_type.name if v.message_type else types[v.type]), ""]
        else:
            t = f.message_type.name if f.message_type else types[f.type]
            fields[f.name] = [f.number, t, "repeated" if f.label == F.LABEL_REPEATED else ""]
    out[name] = fields
print(json.dumps(out))
`
      const result = await runCompatScript(
        python as string,
        ['-c', script, JSON.stringify(Object.keys(messages))],
        {},
      )
      expect(result.code, result.stderr).toBe(0)
      const theirs = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '') as typeof messages
      expect(Object.keys(messages).length).toBeGreaterThanOrEqual(17)
      expect(messages).toEqual(theirs)
    })
  },
)
