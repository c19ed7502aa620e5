// orgUnits.js — the organisation tree as the pages use it: level names and
// the calls of /api/v1/org-units.
import { reactive } from 'vue'
import { api, query } from './api.js'

/** Chinese names of the org levels (DOMAIN.md "Organisation"). */
export const LEVEL_LABELS = {
  nation: '部',
  province: '省级',
  city: '市局',
  department: '处室',
  district: '区局',
  office: '司法所',
  village: '村(居)委会',
}

/** Levels from the top down, for ordering counts. */
export const LEVEL_ORDER = ['nation', 'province', 'city', 'department', 'district', 'office', 'village']

export function levelLabel(level) {
  return LEVEL_LABELS[level] || level || ''
}

/**
 * The children of a unit, all pages of them (the server pages by id with
 * ?after=); with no parent, the caller's own unit.
 */
export async function fetchChildren(parentId) {
  const items = []
  let after
  for (let i = 0; i < 100; i++) {
    const page = await api.get('/org-units' + query({ parent: parentId, after, limit: 1000 }))
    items.push(...(page.items || []))
    if (!page.next) break
    after = page.next
  }
  return items
}

export const fetchUnit = (id) => api.get(`/org-units/${encodeURIComponent(id)}`)
export const fetchStats = (id) => api.get(`/org-units/${encodeURIComponent(id)}/stats`)

/** Names of units looked up by id (a record's ref to org_units), filled as they arrive. */
export const unitNames = reactive({})
const asked = new Set()

/** Starts looking up a unit's name once; unitNames[id] shows it when it comes. */
export function resolveUnitName(id) {
  if (!id || asked.has(id)) return
  asked.add(id)
  fetchUnit(id)
    .then((u) => (unitNames[id] = u.name))
    .catch(() => asked.delete(id))
}
