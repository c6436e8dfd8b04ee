// Sign in, or create an account (needs a connection; everything after works offline).
import { useState } from 'preact/hooks'

import { signIn, signUp } from '../../data/session'
import { ErrorText, Field, formValues, useAction } from '../components/blocks'
import './SignIn.css'

export function SignIn() {
  const [mode, setMode] = useState<'in' | 'up'>('in')
  const [submit, busy, error] = useAction(async (form: HTMLFormElement) => {
    const { email, password, display_name } = formValues(form)
    if (mode === 'in') await signIn(email, password)
    else await signUp(email, password, display_name)
  })
  const signingUp = mode === 'up'
  return (
    <main class="signin" id="main">
      <div class="signin-brand" aria-hidden="true">
        <img src="/app/icons/icon-192.png" alt="" width="64" height="64" />
      </div>
      <h1 id="screen-title" tabIndex={-1}>
        {signingUp ? 'Create your Ossa account' : 'Sign in to Ossa'}
      </h1>
      <p class="signin-lead">Keep to your bone-health plan: supplements and bone medicines, offline too.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          void submit(e.currentTarget)
        }}
      >
        {signingUp && <Field label="Your name" name="display_name" autoComplete="name" />}
        <Field label="E-mail address" name="email" type="email" required autoComplete="email" inputMode="email" />
        <Field
          label="Password"
          name="password"
          type="password"
          required
          minLength={signingUp ? 8 : undefined}
          autoComplete={signingUp ? 'new-password' : 'current-password'}
          hint={signingUp ? 'At least 8 characters; a phrase of a few words is easy to remember.' : undefined}
        />
        <ErrorText error={error} />
        <button type="submit" class="button-primary" disabled={busy}>
          {busy ? 'Please wait…' : signingUp ? 'Create account' : 'Sign in'}
        </button>
      </form>
      <p>
        {signingUp ? 'Already have an account? ' : 'New to Ossa? '}
        <button type="button" class="button-link" onClick={() => setMode(signingUp ? 'in' : 'up')}>
          {signingUp ? 'Sign in' : 'Create an account'}
        </button>
      </p>
    </main>
  )
}
