// The plan checks' findings as a person reads them: severity in a word, the finding's own
// title and explanation, and the references behind it by name. Shared by the plan form
// (before saving) and the Plan screen (the day as planned).
import { SEVERITY_WORDS } from '../../domain/evidence'
import type { Finding } from '../../domain/planTypes'
import { sourceNames } from '../../domain/sources'
import './Findings.css'

const BADGE: Record<Finding['severity'], string> = { critical: 'badge-bad', warning: 'badge-part', info: '' }

export function SourceLine({ source }: { source: string }) {
  return (
    <p class="finding-source">
      <span class="muted">Source: </span>
      {sourceNames(source).join('; ')}
    </p>
  )
}

export function FindingItem({ finding, level = 3 }: { finding: Finding; level?: 3 | 4 }) {
  const Heading = level === 3 ? 'h3' : 'h4'
  return (
    <article class={`finding finding-${finding.severity}`} data-code={finding.code} data-subject={finding.subject}>
      <p class="finding-meta">
        <span class={`badge ${BADGE[finding.severity]}`}>{SEVERITY_WORDS[finding.severity]}</span>
      </p>
      <Heading class="finding-title">{finding.title}</Heading>
      <p>{finding.explanation}</p>
      {finding.source && <SourceLine source={finding.source} />}
    </article>
  )
}

export function FindingList({ findings, label, level = 3 }: { findings: Finding[]; label: string; level?: 3 | 4 }) {
  return (
    <ul class="list findings" aria-label={label}>
      {findings.map((finding) => (
        <li key={`${finding.code}:${finding.subject}`}>
          <FindingItem finding={finding} level={level} />
        </li>
      ))}
    </ul>
  )
}
