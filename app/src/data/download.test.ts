import { describe, expect, it } from 'vitest'

import { filenameFrom } from './download'

describe('filenameFrom', () => {
  it('reads a quoted file name', () => {
    expect(filenameFrom('attachment; filename="ossa-export-2025-11-26.json"')).toBe('ossa-export-2025-11-26.json')
  })

  it('reads an unquoted file name', () => {
    expect(filenameFrom('attachment; filename=ossa.zip; size=120')).toBe('ossa.zip')
  })

  it('prefers the UTF-8 name when both are given', () => {
    expect(filenameFrom(`attachment; filename="ossa.json"; filename*=UTF-8''ossa%20export%20%C3%A9.json`)).toBe('ossa export é.json')
  })

  it('drops folders a name tries to slip in', () => {
    expect(filenameFrom('attachment; filename="../../etc/passwd"')).toBe('passwd')
  })

  it('gives null without a name', () => {
    expect(filenameFrom(null)).toBeNull()
    expect(filenameFrom('attachment')).toBeNull()
    expect(filenameFrom('attachment; filename=""')).toBeNull()
  })
})
