// A missed bisphosphonate dose as Today shows it: what the server's flag observed, and what
// the medicine's label says about it, quoted and attributed, never as Ossa's advice. The
// words are the server's (tracking/rules/flags/bisphosphonate.py bisphosphonate_missed_dose:
// the weekly labels, and for monthly ibandronate whether the next dose is more than 7 days
// away, source FDA-IBN); this only splits them at "The label says:".
import type { Flag } from './rows'
import { sourceNames } from './sources'

export const MISSED_DOSE = 'bisphosphonate_missed_dose'
const LABEL_SAYS = 'The label says: '

export interface MissedDose {
  regimenId: string
  title: string
  // What was observed ("Your monthly ibandronate dose due on … is not logged. Your next dose
  // is more than 7 days away.").
  observed: string
  // The label's words, quoted; null when the flag quotes no label (another monthly dose:
  // it points to the medicine's own instructions).
  label: string | null
  sources: string[]
}

/** The active missed-dose flags for the member, each split into observation and label. */
export function missedDoses(flags: Flag[]): MissedDose[] {
  return flags
    .filter((f) => f.code === MISSED_DOSE && f.resolved_at === null && f.audience !== 'dietitian')
    .map((flag) => {
      const at = flag.explanation.indexOf(LABEL_SAYS)
      const observed = at < 0 ? flag.explanation : flag.explanation.slice(0, at).trim()
      const label = at < 0 ? null : flag.explanation.slice(at + LABEL_SAYS.length).trim()
      return { regimenId: flag.subject, title: flag.title, observed, label: label && label.charAt(0).toUpperCase() + label.slice(1), sources: sourceNames(flag.source) }
    })
}
