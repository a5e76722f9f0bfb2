import { defineConfig } from 'strata'

export default defineConfig({
  project: 'flights',
  // The feature definitions `strata plan` / `strata apply` read.
  features: 'features.ts',
})
