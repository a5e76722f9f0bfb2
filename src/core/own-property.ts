/**
 * `record[key]` for the record's own properties only: `undefined` for a key the record does not
 * hold itself, including `constructor`, `__proto__` and `toString`, which a plain `record[key]`
 * finds on `Object.prototype`. Use it wherever the key comes from a user (a search filter's
 * attribute, a feature name) so that an unknown name is an unknown name, never a function.
 *
 * @example
 * ownValue({ a: 1 }, 'constructor') // undefined
 */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined
}
