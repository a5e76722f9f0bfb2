import { defineConfig } from 'strata-ml'

export default defineConfig({
  project: 'flights',
  // The feature definitions `strata features plan` / `strata apply` read.
  features: 'features.ts',
})
