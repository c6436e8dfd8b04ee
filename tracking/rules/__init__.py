"""Pure bone-health rules: schedule expansion, adherence maths, reference intakes and flags.

Nothing here imports Django. Inputs and outputs are the frozen dataclasses in `types`, so
the rules are fast to test (hypothesis) and the tasks only load rows and write results.
"""
