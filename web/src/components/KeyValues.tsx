/** A two-column table of key → value (params, tags), sorted by key; values as plain text. */
export function KeyValues({
  caption,
  entries,
  empty,
}: {
  caption: string
  entries: Record<string, string>
  empty: string
}) {
  const keys = Object.keys(entries).sort()
  if (keys.length === 0) return <p className="muted">{empty}</p>
  return (
    <table className="kv">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Key</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {keys.map((k) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td className="value">{entries[k]}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
