// Two simulated devices of one member syncing with a live Ossa server through the real
// WatermelonDB synchronize(). Prints one JSON document on stdout; progress goes to stderr.
//
//   OSSA_BASE_URL=http://127.0.0.1:8000 OSSA_EMAIL=… OSSA_PASSWORD=… node scenario.mjs [full|first-sync]
//
// full: A first sync → A offline: regimen (catalogue K2) + 3 logs, marks the inbox read, syncs →
// B first sync → B: regimen note, deletes L2, profile setting, syncs → A (offline meanwhile):
// servings_per_dose + L4, syncs (per-column merge) → a real 409: B pushes an edit of L1 between
// A's pull and A's push; A syncs again → a REST-logged dose reaches both → A's own product →
// the same push sent twice → a push applied whose response is lost → an edit undone before
// syncing → A, B, A, B sync; every disagreement between the devices is a failed check.
// first-sync: one device's first sync.
//
// Exit status 0 when every step ran (the JSON may still list violations and failed checks
// for the caller to assert on); 1 when a step raised, with "error" naming the step.

import { api, clientErrors, Device, HttpError, Report } from './harness.mjs'

const base = (process.env.OSSA_BASE_URL || '').replace(/\/+$/, '')
const email = process.env.OSSA_EMAIL
const password = process.env.OSSA_PASSWORD
const mode = process.argv[2] || 'full'

const report = new Report()
const failures = []
const ids = {}
const output = {
  mode,
  ids,
  events: report.events,
  violations: report.violations,
  failed_checks: failures,
  client_errors: clientErrors,
}

function check(ok, message) {
  if (!ok) {
    failures.push(message)
    console.error(`[check failed] ${message}`)
  }
  return ok
}

let currentStep = 'start'
async function step(name, fn) {
  currentStep = name
  report.event(name)
  return fn()
}

const DAY = 24 * 60 * 60 * 1000
const minute = (ms) => Math.floor(ms / 60000) * 60000
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10)
const byId = (rows, id) => rows.find((row) => row.id === id)
const changeCount = (changes) =>
  Object.values(changes || {}).reduce(
    (sum, set) =>
      sum + (set.created?.length || 0) + (set.updated?.length || 0) + (set.deleted?.length || 0),
    0,
  )
const pushedIds = (device, table, kind) =>
  (device.lastPushed?.changes?.[table]?.[kind] || []).map((x) => (typeof x === 'string' ? x : x.id))

async function local(device, table, id) {
  return byId((await device.dump())[table], id)
}

async function findK2(token) {
  let url = `${base}/api/v1/products?mine=false&search=K2`
  const seen = []
  while (url) {
    const { data } = await api.get(url, token)
    const results = Array.isArray(data) ? data : data.results
    seen.push(...results)
    url = Array.isArray(data) ? null : data.next
  }
  const k2 = seen.filter((p) => /K2/.test(p.name))
  const preferred = k2.find((p) => p.name === 'Vitamin K2 MK-7 90 mcg') || k2[0]
  if (!preferred) throw new Error(`no K2 product in the catalogue (saw ${seen.length} products)`)
  return preferred
}

async function firstSync() {
  const A = new Device('A', base, report)
  await step('login A', () => A.login(email, password))
  await step('A first sync', () => A.sync())
  output.timestamp = A.timestamps[0]
  output.pull = A.lastPull
  output.A = await A.dump()
  output.unsynced = { A: await A.unsynced() }
}

async function full() {
  const A = new Device('A', base, report)
  const B = new Device('B', base, report)
  await step('login A and B', async () => {
    await A.login(email, password)
    await B.login(email, password)
  })

  const k2 = await step('catalogue K2 product over REST', () => findK2(A.token))
  ids.k2_product = k2.id

  await step('A first sync', () => A.sync())

  // --- A plans a regimen and logs three doses offline, then syncs ----------------------
  const now = Date.now()
  const startDate = isoDay(now - 10 * DAY)
  await step('A offline: regimen and 3 intake logs', async () => {
    const regimen = await A.create('regimens', {
      product_id: k2.id,
      servings_per_dose: 1,
      schedule_kind: 'daily',
      times: JSON.stringify(['08:00']),
      weekdays: JSON.stringify([]),
      day_of_month: null,
      interval_days: null,
      start_date: startDate,
      end_date: null,
      note: '',
    })
    ids.regimen = regimen.id
    ids.logs = {}
    for (const [i, daysAgo] of [3, 2, 1].entries()) {
      const log = await A.create('intake_logs', {
        regimen_id: regimen.id,
        product_id: k2.id,
        servings: 1,
        taken_at: minute(now - daysAgo * DAY),
        status: 'taken',
        note: '',
        source: 'app',
      })
      ids.logs[`L${i + 1}`] = log.id
    }
  })
  await step('A offline: mark the inbox read', async () => {
    const inbox = (await A.dump()).notifications
    ids.notifications = inbox.map((row) => row.id)
    ids.read_at = minute(now)
    for (const row of inbox) await A.update('notifications', row.id, { read_at: ids.read_at })
  })
  await step('A sync: push regimen and logs', () => A.sync())
  check(
    pushedIds(A, 'regimens', 'created').includes(ids.regimen),
    'A pushed its new regimen as created',
  )
  check(pushedIds(A, 'intake_logs', 'created').length === 3, 'A pushed 3 created intake logs')

  // --- B joins --------------------------------------------------------------------------
  await step('B first sync', () => B.sync())
  {
    const b = await B.dump()
    check(!!byId(b.regimens, ids.regimen), 'B received the regimen on first sync')
    for (const [name, id] of Object.entries(ids.logs)) {
      check(!!byId(b.intake_logs, id), `B received ${name} on first sync`)
    }
    check(b.profiles.length === 1, `B has exactly one profile row (has ${b.profiles.length})`)
    for (const id of ids.notifications) {
      const row = byId(b.notifications, id)
      check(row?.read_at === ids.read_at, `B sees notification ${id} read (${row?.read_at})`)
    }
    ids.profile = b.profiles[0]?.id
  }

  // --- B edits the regimen note, deletes L2, changes a profile setting ---------------------
  ids.deleted_log = ids.logs.L2
  await step('B offline: edit regimen note, delete L2, profile setting', async () => {
    await B.update('regimens', ids.regimen, { note: 'with breakfast' })
    await B.markDeleted('intake_logs', ids.logs.L2)
    await B.update('profiles', ids.profile, { remind_by_email: false })
  })
  await step('B sync: push edit and deletion', () => B.sync())
  check(pushedIds(B, 'intake_logs', 'deleted').includes(ids.logs.L2), 'B pushed L2 as deleted')
  check(pushedIds(B, 'regimens', 'updated').includes(ids.regimen), 'B pushed the regimen update')
  check(pushedIds(B, 'profiles', 'updated').includes(ids.profile), 'B pushed the profile update')

  // --- A, offline meanwhile, edits another column of the same regimen and logs a dose ------
  await step('A offline: servings_per_dose=2 and a new log L4', async () => {
    await A.update('regimens', ids.regimen, { servings_per_dose: 2 })
    const log = await A.create('intake_logs', {
      regimen_id: ids.regimen,
      product_id: k2.id,
      servings: 2,
      taken_at: minute(now - 2 * 60 * 60 * 1000),
      status: 'taken',
      note: '',
      source: 'app',
    })
    ids.logs.L4 = log.id
  })
  await step('A sync: per-column merge', () => A.sync())
  {
    const a = await A.dump()
    const r = byId(a.regimens, ids.regimen)
    check(r?.note === 'with breakfast', `A merged B's note (got ${JSON.stringify(r?.note)})`)
    check(r?.servings_per_dose === 2, `A kept its servings_per_dose=2 (got ${r?.servings_per_dose})`)
    check(!byId(a.intake_logs, ids.logs.L2), 'A dropped L2 deleted by B')
    check(byId(a.profiles, ids.profile)?.remind_by_email === false, "A got B's profile change")
    const pushed = (A.lastPushed?.changes?.regimens?.updated || []).find((x) => x.id === ids.regimen)
    check(
      pushed?.note === 'with breakfast' && pushed?.servings_per_dose === 2,
      'A pushed the merged regimen (both columns)',
    )
  }
  await step('B sync: receives the merge', () => B.sync())
  {
    const r = await local(B, 'regimens', ids.regimen)
    check(r?.servings_per_dose === 2 && r?.note === 'with breakfast', 'B has the merged regimen')
    check(!!(await local(B, 'intake_logs', ids.logs.L4)), 'B received L4')
  }

  // --- A real 409: B changes L1 between A's pull and A's push ------------------------------
  await step('A offline: L1 servings=2 and a new log L6', async () => {
    await A.update('intake_logs', ids.logs.L1, { servings: 2 })
    const log = await A.create('intake_logs', {
      regimen_id: ids.regimen,
      product_id: k2.id,
      servings: 1,
      taken_at: minute(now - 60 * 60 * 1000),
      status: 'skipped',
      note: 'felt unwell',
      source: 'app',
    })
    ids.logs.L6 = log.id
  })
  const conflict = { expected: 409 }
  output.conflict = conflict
  await step('A sync with B pushing in between A pull and A push', async () => {
    let interleaved = false
    try {
      await A.sync({
        beforePush: async (_changes, lastPulledAt) => {
          if (interleaved) return
          interleaved = true
          conflict.a_last_pulled_at = lastPulledAt
          await B.update('intake_logs', ids.logs.L1, { note: 'taken late' })
          await B.sync()
          conflict.b_pushed = pushedIds(B, 'intake_logs', 'updated')
        },
      })
      conflict.status = A.lastPushStatus
      check(false, `A's push over a concurrent change was accepted (HTTP ${A.lastPushStatus}), expected 409`)
    } catch (error) {
      if (!(error instanceof HttpError)) throw error
      conflict.status = error.status
      conflict.body = error.body.slice(0, 1000)
      check(error.status === 409, `A's conflicting push got HTTP ${error.status}, expected 409`)
    }
    report.event('conflict outcome', { status: conflict.status })
  })
  await step('B sync: the rejected push left nothing behind', async () => {
    await B.sync()
    check(!(await local(B, 'intake_logs', ids.logs.L6)), 'L6 from the refused push is not on the server')
    const l1 = await local(B, 'intake_logs', ids.logs.L1)
    check(l1?.servings === 1, `refused push did not change L1 servings (got ${l1?.servings})`)
  })
  await step('A sync again after the 409', async () => {
    await A.sync()
    conflict.recovered = true
    conflict.recovery_push_status = A.lastPushStatus
  })
  {
    const l1 = await local(A, 'intake_logs', ids.logs.L1)
    check(l1?.note === 'taken late' && l1?.servings === 2, `A's L1 merged both edits (${JSON.stringify(l1)})`)
    check(!!(await local(A, 'intake_logs', ids.logs.L6)), 'A still has L6')
    check(!(await A.unsynced()), 'A has nothing unsynced after recovering')
  }
  await step('B sync: receives the recovered push', () => B.sync())
  {
    const l1 = await local(B, 'intake_logs', ids.logs.L1)
    check(l1?.note === 'taken late' && l1?.servings === 2, `B's L1 has both edits (${JSON.stringify(l1)})`)
    check(!!(await local(B, 'intake_logs', ids.logs.L6)), 'B received L6')
  }

  // --- A REST write reaches both devices --------------------------------------------------
  const restTakenAt = minute(now - 30 * 60 * 1000)
  await step('REST: POST /api/v1/intakes', async () => {
    const { data, status } = await api.post(`${base}/api/v1/intakes`, A.token, {
      regimen: ids.regimen,
      taken_at: new Date(restTakenAt).toISOString(),
    })
    ids.rest_log = data.id
    report.event('REST intake created', { status, id: data.id })
  })
  await step('A and B sync: receive the REST write', async () => {
    await A.sync()
    await B.sync()
  })
  for (const device of [A, B]) {
    const row = await local(device, 'intake_logs', ids.rest_log)
    check(!!row, `${device.name} received the REST-logged dose`)
    check(row?.taken_at === restTakenAt, `${device.name}: REST dose taken_at ${row?.taken_at} == ${restTakenAt}`)
    check(row?.product_id === k2.id && row?.regimen_id === ids.regimen, `${device.name}: REST dose links`)
  }

  // --- A member's own product travels too ------------------------------------------------
  await step('A offline: own product with ingredients', async () => {
    const product = await A.create('products', {
      name: 'My magnesium citrate',
      brand: 'Corner shop',
      kind: 'supplement',
      drug_class: '',
      drug: '',
      release: 'immediate',
      strength_mg: null,
      serving_unit: 'tablet',
      notes: 'evening',
      ingredients: JSON.stringify([{ nutrient: 'magnesium', amount: 150, form: 'citrate' }]),
    })
    ids.own_product = product.id
  })
  await step('A and B sync: the own product', async () => {
    await A.sync()
    await B.sync()
  })
  {
    const row = await local(B, 'products', ids.own_product)
    check(row?.name === 'My magnesium citrate', `B received A's own product (${JSON.stringify(row)})`)
    const ingredients = row ? JSON.parse(row.ingredients) : []
    check(
      ingredients.length === 1 && ingredients[0].nutrient === 'magnesium' && ingredients[0].amount === 150,
      `own product's ingredients round-trip (${row?.ingredients})`,
    )
  }

  // --- The same push twice ---------------------------------------------------------------
  await step('B offline: new log L5 and an edit of L3', async () => {
    const log = await B.create('intake_logs', {
      regimen_id: ids.regimen,
      product_id: k2.id,
      servings: 1,
      taken_at: minute(now - 10 * 60 * 1000),
      status: 'taken',
      note: 'retried',
      source: 'app',
    })
    ids.logs.L5 = log.id
    await B.update('intake_logs', ids.logs.L3, { note: 'edited before a retried push' })
  })
  const retry = {}
  output.retry = retry
  await step('B sync: the push is sent twice with the same body', async () => {
    try {
      await B.sync({
        push: async (changes, lastPulledAt) => {
          retry.body_bytes = JSON.stringify({ changes }).length
          const first = await B.push(changes, lastPulledAt)
          retry.first = B.lastPushStatus
          try {
            const second = await B.push(changes, lastPulledAt)
            retry.second = B.lastPushStatus
            return second || first
          } catch (error) {
            if (!(error instanceof HttpError)) throw error
            retry.second = error.status
            retry.second_body = error.body.slice(0, 1000)
            throw error
          }
        },
      })
    } catch (error) {
      if (!(error instanceof HttpError) || error.status !== 409) throw error
      // The retry was refused as a conflict (its rows changed after last_pulled_at — by the
      // first copy): the client pulls its own echo and pushes again.
      report.event('retried push answered 409; syncing again')
      await B.sync()
      retry.resynced = true
    }
    report.event('retry outcome', { ...retry })
  })
  check(retry.first >= 200 && retry.first < 300, `first copy of the push: HTTP ${retry.first}`)
  check(
    (retry.second >= 200 && retry.second < 300) || retry.second === 409,
    `second copy of the push: HTTP ${retry.second} (expected 2xx, or 409)`,
  )

  // --- A push that the server applied but whose response never arrived -------------------
  // The device still holds the rows as created/updated; its next sync pulls them back (its
  // own echo) and pushes them again as "created" — the server must update, not refuse.
  await step('A offline: new log L7 and an edit of L4', async () => {
    const log = await A.create('intake_logs', {
      regimen_id: ids.regimen,
      product_id: k2.id,
      servings: 1,
      taken_at: minute(now - 5 * 60 * 1000),
      status: 'taken',
      note: 'response lost',
      source: 'app',
    })
    ids.logs.L7 = log.id
    await A.update('intake_logs', ids.logs.L4, { note: 'edited, response lost' })
  })
  const lost = {}
  output.lost_response = lost
  await step('A sync: push applied, response lost', async () => {
    try {
      await A.sync({
        push: async (changes, lastPulledAt) => {
          await A.push(changes, lastPulledAt)
          lost.applied_status = A.lastPushStatus
          throw new Error('simulated network failure after the push was sent')
        },
      })
    } catch (error) {
      if (!/simulated network failure/.test(error.message)) throw error
    }
    check(await A.unsynced(), 'A still holds the unacknowledged changes')
  })
  await step('A sync again: re-push of rows the server already has', async () => {
    await A.sync()
    lost.repush_status = A.lastPushStatus
    lost.repushed_created = pushedIds(A, 'intake_logs', 'created')
    check(lost.repushed_created.includes(ids.logs.L7), 'A re-pushed L7 as created')
    check(!(await A.unsynced()), 'A has nothing unsynced after the re-push')
  })

  // --- An edit undone before syncing: the push carries the stored values again ----------
  // Only updated_at (set by WatermelonDB on every update) differs from the server's row.
  await step('B offline: edit L6 note and undo it', async () => {
    await B.update('intake_logs', ids.logs.L6, { note: 'typo' })
    await B.update('intake_logs', ids.logs.L6, { note: 'felt unwell' })
  })
  await step('B sync: push of an undone edit', () => B.sync())
  output.undone_edit = {
    pushed: (B.lastPushed?.changes?.intake_logs?.updated || []).map((r) => ({
      id: r.id,
      _changed: r._changed,
      updated_at: r.updated_at,
    })),
    status: B.lastPushStatus,
  }

  // --- Converge -----------------------------------------------------------------------------
  await step('final syncs (A, B, A, B)', async () => {
    output.final_pull_changes = []
    for (const device of [A, B, A, B]) {
      await device.sync()
      output.final_pull_changes.push({ device: device.name, changes: changeCount(device.lastPull?.changes) })
    }
  })
  output.unsynced = { A: await A.unsynced(), B: await B.unsynced() }
  {
    // Converged devices hold identical rows; name every column they disagree on.
    const [a, b] = [await A.dump(), await B.dump()]
    for (const table of Object.keys(a)) {
      const bRows = new Map(b[table].map((row) => [row.id, row]))
      const aIds = new Set(a[table].map((row) => row.id))
      for (const row of a[table]) {
        const other = bRows.get(row.id)
        if (!other) {
          check(false, `${table}#${row.id} is on A but not on B`)
          continue
        }
        for (const [column, value] of Object.entries(row)) {
          check(
            JSON.stringify(value) === JSON.stringify(other[column]),
            `devices disagree on ${table}#${row.id}.${column}: A=${JSON.stringify(value)} B=${JSON.stringify(other[column])}`,
          )
        }
      }
      for (const row of b[table]) check(aIds.has(row.id), `${table}#${row.id} is on B but not on A`)
    }
  }
  output.timestamps = { A: A.timestamps, B: B.timestamps }
  output.notes = [...report.notes]
  output.A = await A.dump()
  output.B = await B.dump()
}

try {
  if (!base || !email || !password) throw new Error('set OSSA_BASE_URL, OSSA_EMAIL and OSSA_PASSWORD')
  if (mode === 'first-sync') await firstSync()
  else if (mode === 'full') await full()
  else throw new Error(`unknown mode ${mode}`)
  output.notes = output.notes || [...report.notes]
  process.stdout.write(`${JSON.stringify(output)}\n`)
  process.exitCode = 0
} catch (error) {
  output.error = {
    step: currentStep,
    message: error?.message || String(error),
    status: error?.status,
    method: error?.method,
    url: error?.url,
    body: error?.body?.slice?.(0, 4000),
    stack: error?.stack,
  }
  output.notes = [...report.notes]
  process.stdout.write(`${JSON.stringify(output)}\n`)
  process.exitCode = 1
}
