// The references behind each flag: docs/domain.md#sources names them by short keys, and the
// server's flags carry those keys (several joined by ", "). This map gives a person the
// reference's name instead of the key; it must follow docs/domain.md when a source is added
// there (tests/test_docs.py checks that it names exactly the keys listed).
export const SOURCE_NAMES: Record<string, string> = {
  SEED: 'Trade article on vitamin K2 and bone health (MenaQ7 / K2Vital interviews)',
  'ODS-CA': 'NIH Office of Dietary Supplements, calcium fact sheet for health professionals',
  'ODS-D': 'NIH Office of Dietary Supplements, vitamin D fact sheet for health professionals',
  'ODS-K': 'NIH Office of Dietary Supplements, vitamin K fact sheet for health professionals',
  'ODS-MG': 'NIH Office of Dietary Supplements, magnesium fact sheet for health professionals',
  'FDA-ALN': 'US prescribing information and medication guide for alendronate',
  'FDA-RIS': 'US prescribing information and medication guide for risedronate',
  'FDA-IBN': 'US prescribing information and medication guide for ibandronate',
  'FDA-LT4': 'US prescribing information for levothyroxine',
  'PQA-PDC': 'Pharmacy Quality Alliance, Proportion of Days Covered',
  WMDB: 'WatermelonDB documentation, "Sync" and "Implementing your Sync backend"',
}

/** The readable names of a flag's source keys; an unknown key is shown as it is. */
export function sourceNames(source: string): string[] {
  return source
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean)
    .map((key) => SOURCE_NAMES[key] ?? key)
}
