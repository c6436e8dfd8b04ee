// Imports point one way: ui/ → data/ → domain/. A module of domain/ (the pure rules) imports
// only domain/; one of data/ (database, sync, network) imports data/ and domain/; ui/ may
// import all three. Packages count as the layer they belong to: Preact is the UI's,
// WatermelonDB, RxJS and fake-indexeddb the data layer's, so the rules cannot reach the
// database and the data layer cannot render. main.tsx, the entry, and this file sit at the
// root and may import anything. Every other module lives in one of the three folders.
import { describe, expect, it } from 'vitest'

const LAYERS = ['domain', 'data', 'ui'] as const
type Layer = (typeof LAYERS)[number]

const ROOT_FILES = new Set(['main.tsx', 'layers.test.ts'])

const PACKAGE_LAYERS: [RegExp, Layer][] = [
  [/^preact(\/|$)/, 'ui'],
  [/^@nozbe\/watermelondb(\/|$)/, 'data'],
  [/^rxjs(\/|$)/, 'data'],
  [/^fake-indexeddb(\/|$)/, 'data'],
]

// `import … from 'x'` (also `import type`, over several lines), `export … from 'x'`,
// `import 'x'`, `import('x')` and `vi.mock('x')`.
const IMPORT = /(?:\bfrom|\bimport|\bimport\(|\bmock\()\s*(['"])([^'"\n]+)\1/g

function importsOf(source: string): string[] {
  return [...source.matchAll(IMPORT)].map((match) => match[2])
}

/** `spec` as a path under app/src, or null when it leaves app/src. */
function resolve(file: string, spec: string): string | null {
  const parts = file.split('/').slice(0, -1)
  for (const part of spec.split('/')) {
    if (part === '..') {
      if (!parts.length) return null
      parts.pop()
    } else if (part !== '.' && part !== '') parts.push(part)
  }
  return parts.join('/')
}

function layerOf(path: string): Layer | null {
  const top = path.split('/')[0]
  return (LAYERS as readonly string[]).includes(top) ? (top as Layer) : null
}

function layerOfImport(file: string, spec: string): Layer | 'outside' | null {
  if (spec.startsWith('.')) {
    const path = resolve(file, spec)
    if (path === null) return 'outside'
    return layerOf(path) ?? (path.includes('/') ? 'outside' : null)
  }
  return PACKAGE_LAYERS.find(([pattern]) => pattern.test(spec))?.[1] ?? null
}

/** Every import that points the wrong way (or a module outside the layers), in words. Keys of
 * `files` are paths under app/src ("domain/time.ts"), values the source text. */
function wrongWay(files: Record<string, string>): string[] {
  const found: string[] = []
  for (const [file, source] of Object.entries(files)) {
    if (ROOT_FILES.has(file)) continue
    const layer = layerOf(file)
    if (!layer) {
      found.push(`${file} is in none of ${LAYERS.join(', ')}`)
      continue
    }
    for (const spec of importsOf(source)) {
      const target = layerOfImport(file, spec)
      if (target === 'outside') found.push(`${file} imports ${spec}, outside the layers`)
      else if (target && LAYERS.indexOf(target) > LAYERS.indexOf(layer)) found.push(`${file} imports ${spec} (${layer} → ${target})`)
      else if (target === null && spec.startsWith('.')) found.push(`${file} imports ${spec}, a root module`)
    }
  }
  return found
}

// The sources as text (Vite reads them), keyed by their path under app/src.
const GLOBBED = import.meta.glob<string>(['./**/*.ts', './**/*.tsx'], { query: '?raw', import: 'default', eager: true })
const SOURCES = Object.fromEntries(Object.entries(GLOBBED).map(([path, text]) => [path.replace(/^\.\//, ''), text]))

describe('the layers of app/src', () => {
  it('reads every module', () => {
    expect(Object.keys(SOURCES)).toEqual(expect.arrayContaining(['main.tsx', 'domain/schedule.ts', 'data/sync.ts', 'data/db/index.ts', 'ui/App.tsx', 'ui/screens/Today.tsx']))
    expect(Object.keys(SOURCES).length).toBeGreaterThan(40)
  })

  it('has every import pointing ui → data → domain', () => {
    expect(wrongWay(SOURCES)).toEqual([])
  })
})

describe('the direction check', () => {
  const planted = (file: string, source: string) => wrongWay({ [file]: source })

  it('lets each layer import its own and the ones below, and the entry anything', () => {
    expect(planted('domain/doses.ts', "import { isActiveOn } from './schedule'")).toEqual([])
    expect(planted('data/db/index.ts', "import type { Rows } from '../../domain/rows'\nimport { Database } from '@nozbe/watermelondb'")).toEqual([])
    expect(planted('ui/screens/Today.tsx', "import { Q } from '../../data/db'\nimport { useState } from 'preact/hooks'\nimport './Today.css'")).toEqual([])
    expect(planted('main.tsx', "import { App } from './ui/App'")).toEqual([])
    expect(planted('domain/time.test.ts', "import { describe } from 'vitest'")).toEqual([])
  })

  it('fails on a rule that imports the database or the UI, even for a type', () => {
    expect(planted('domain/schedule.ts', "import { db } from '../data/db'")).toEqual(["domain/schedule.ts imports ../data/db (domain → data)"])
    expect(planted('domain/rows.ts', "import type { Held } from '../data/held'")).toEqual(["domain/rows.ts imports ../data/held (domain → data)"])
    expect(planted('domain/trends.ts', "import {\n  Screen,\n  Empty,\n} from '../ui/components/blocks'")).toEqual([
      'domain/trends.ts imports ../ui/components/blocks (domain → ui)',
    ])
    expect(planted('domain/doses.ts', "import type { Database } from '@nozbe/watermelondb'")).toEqual(['domain/doses.ts imports @nozbe/watermelondb (domain → data)'])
  })

  it('fails on the data layer importing the UI, however it is imported', () => {
    expect(planted('data/catalogue.ts', "import { useRows } from '../ui/hooks'")).toEqual(['data/catalogue.ts imports ../ui/hooks (data → ui)'])
    expect(planted('data/catalogue.ts', "import { useEffect } from 'preact/hooks'")).toEqual(['data/catalogue.ts imports preact/hooks (data → ui)'])
    expect(planted('data/sync.ts', "export { Loading } from '../ui/components/blocks'")).toHaveLength(1)
    expect(planted('data/session.ts', "const { App } = await import('../ui/App')")).toHaveLength(1)
    expect(planted('data/db/index.test.ts', "vi.mock('../../ui/hooks')")).toHaveLength(1)
  })

  it('fails on a module outside the three folders, or reaching outside app/src', () => {
    expect(planted('helpers.ts', '')).toEqual(['helpers.ts is in none of domain, data, ui'])
    expect(planted('ui/App.tsx', "import { x } from '../main'")).toEqual(['ui/App.tsx imports ../main, a root module'])
    expect(planted('ui/App.tsx', "import config from '../../vite.config.mts'")).toEqual(['ui/App.tsx imports ../../vite.config.mts, outside the layers'])
  })
})
