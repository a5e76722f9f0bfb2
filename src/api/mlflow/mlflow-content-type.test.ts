import { describe, expect, it } from 'vitest'
import { mlflowContentType } from './mlflow-content-type.js'

describe("mlflowContentType (MLflow's _guess_mime_type)", () => {
  it("types files as MLflow's server does", () => {
    const cases: [string, string][] = [
      ['dir/a.txt', 'text/plain'],
      ['b.pkl', 'application/octet-stream'],
      ['c.png', 'image/png'],
      ['d.pdf', 'application/pdf'],
      ['model/MLmodel', 'text/plain'],
      ['project/mlproject', 'text/plain'],
      // The text names are case-sensitive, as MLflow's list.
      ['MLPROJECT', 'application/octet-stream'],
      ['notes', 'application/octet-stream'],
      ['data.tar.gz', 'application/x-tar'],
    ]
    expect(cases.map(([path]) => [path, mlflowContentType(path)])).toEqual(cases)
  })
})
