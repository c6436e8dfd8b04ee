// Save a server response (an export, a report) as a file on the device, under the name the
// server gave it in Content-Disposition.

/** The file name in a Content-Disposition header: RFC 5987 `filename*=UTF-8''…` first,
 * then `filename="…"`; null when there is none. Path parts are dropped. */
export function filenameFrom(header: string | null): string | null {
  if (!header) return null
  const extended = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header)
  let name: string | null = null
  if (extended) {
    try {
      name = decodeURIComponent(extended[2].trim().replace(/^"|"$/g, ''))
    } catch {
      name = null
    }
  }
  if (!name) {
    const plain = /filename\s*=\s*("((?:[^"\\]|\\.)*)"|[^;]+)/i.exec(header)
    if (plain) name = plain[2] !== undefined ? plain[2].replace(/\\(.)/g, '$1') : plain[1].trim()
  }
  const base = name?.split(/[\\/]/).pop()?.trim()
  return base ? base : null
}

/** Save the response body as a file; returns the name it was saved under. */
export async function saveResponse(response: Response, fallbackName: string): Promise<string> {
  const name = filenameFrom(response.headers.get('Content-Disposition')) ?? fallbackName
  const blob = await response.blob()
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = name
  link.rel = 'noopener'
  document.body.append(link)
  link.click()
  link.remove()
  // The browser reads the blob after click() returns; free it once it has.
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
  return name
}
