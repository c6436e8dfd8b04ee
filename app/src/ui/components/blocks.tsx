// Shared building blocks: every control has a visible label, errors are words in a live
// region, buttons are real <button>s (keyboard reachable).
import type { ComponentChildren, InputHTMLAttributes, SelectHTMLAttributes } from 'preact'
import { useState } from 'preact/hooks'

import { describe } from '../../data/api'

export function Screen({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="screen" aria-labelledby="screen-title">
      <header class="screen-header">
        <h1 id="screen-title" tabIndex={-1}>
          {title}
        </h1>
        {actions}
      </header>
      {children}
    </section>
  )
}

export function ErrorText({ error }: { error: string | null | undefined }) {
  return (
    <p class="error" role="alert" hidden={!error}>
      {error}
    </p>
  )
}

export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <p class="notice" role="status">
      {children}
    </p>
  )
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>
}

export function Loading() {
  return (
    <p class="empty" aria-busy="true">
      Loading…
    </p>
  )
}

type InputProps = InputHTMLAttributes & { label: string; hint?: string; error?: string }

let fieldIds = 0

export function Field({ label, hint, error, id, ...input }: InputProps) {
  const [fallback] = useState(() => `field-${++fieldIds}`)
  const inputId = (id as string) || fallback
  const hintId = hint ? `${inputId}-hint` : undefined
  const errorId = error ? `${inputId}-error` : undefined
  return (
    <div class="field">
      <label for={inputId}>{label}</label>
      <input id={inputId} aria-describedby={[hintId, errorId].filter(Boolean).join(' ') || undefined} aria-invalid={error ? true : undefined} {...input} />
      {hint && (
        <small id={hintId} class="hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={errorId} class="field-error">
          {error}
        </small>
      )}
    </div>
  )
}

type SelectProps = SelectHTMLAttributes & {
  label: string
  options: [string, string][]
  hint?: string
}

export function SelectField({ label, options, hint, id, ...select }: SelectProps) {
  const [fallback] = useState(() => `field-${++fieldIds}`)
  const selectId = (id as string) || fallback
  return (
    <div class="field">
      <label for={selectId}>{label}</label>
      <select id={selectId} aria-describedby={hint ? `${selectId}-hint` : undefined} {...select}>
        {options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
      {hint && (
        <small id={`${selectId}-hint`} class="hint">
          {hint}
        </small>
      )}
    </div>
  )
}

export function Checkbox({
  label,
  checked,
  onChange,
  id,
  disabled,
}: {
  label: string
  checked: boolean
  onChange: (checked: boolean) => void
  id?: string
  disabled?: boolean
}) {
  const [fallback] = useState(() => `field-${++fieldIds}`)
  const boxId = id || fallback
  return (
    <div class="field field-checkbox">
      <input id={boxId} type="checkbox" checked={checked} disabled={disabled} onChange={(e) => onChange((e.target as HTMLInputElement).checked)} />
      <label for={boxId}>{label}</label>
    </div>
  )
}

/** Run an async action with a busy flag and an error in words; returns [run, busy, error]. */
export function useAction<A extends unknown[]>(
  action: (...args: A) => Promise<unknown>,
): [(...args: A) => Promise<void>, boolean, string | null, (error: string | null) => void] {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const run = async (...args: A) => {
    setBusy(true)
    setError(null)
    try {
      await action(...args)
    } catch (e) {
      setError(describe(e))
    } finally {
      setBusy(false)
    }
  }
  return [run, busy, error, setError]
}

export function formValues(form: HTMLFormElement): Record<string, string> {
  const values: Record<string, string> = {}
  new FormData(form).forEach((value, key) => {
    values[key] = String(value)
  })
  return values
}
