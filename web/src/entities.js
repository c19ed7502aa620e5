// entities.js — the resource engine's metadata as the pages use it
// (docs/engine.md): the entities the user may read (GET /meta/entities, for
// the menu), one entity's fields, workflow and `can` flags
// (GET /meta/entities/:entity), and the helpers every generic records page
// shares: labels of codes and states, decimal bounds, record titles.
import { reactive } from 'vue'
import { api } from './api.js'
import { session } from './session.js'

/** The entities the signed-in user may read: [{ name, label, workflow, protected, can }]. */
export const entities = reactive({ items: [], loaded: false, error: '', user: null })

let loading = null

/** Loads the entity list once per signed-in user (force: again). */
export function loadEntities(force = false) {
  const uid = session.user ? session.user.id : null
  if (!force && entities.user === uid && (entities.loaded || loading)) return loading || Promise.resolve(entities.items)
  if (entities.user !== uid) {
    // another user: nothing of the last one's list may show meanwhile
    entities.items = []
    entities.loaded = false
  }
  entities.user = uid
  loading = api
    .get('/meta/entities')
    .then((answer) => {
      if (entities.user !== uid) return entities.items // a newer session won
      entities.items = (answer && answer.items) || []
      entities.loaded = true
      entities.error = ''
      return entities.items
    })
    .catch((err) => {
      if (entities.user === uid) entities.error = err.message
      throw err
    })
    .finally(() => (loading = null))
  return loading
}

/** The label of an entity named in a URL, once the list is loaded. */
export function entityLabel(name) {
  const e = entities.items.find((x) => x.name === name)
  return e ? e.label : ''
}

// One entity's metadata, kept a minute per user: a list, its detail and its
// form ask for the same answer within seconds.
const META_TTL_MS = 60_000
const metaCache = new Map()

/** GET /meta/entities/:name (cached briefly); force skips the cache. */
export function fetchMeta(name, force = false) {
  const key = (session.user ? session.user.id : '') + ':' + name
  const hit = metaCache.get(key)
  if (!force && hit && Date.now() - hit.at < META_TTL_MS) return hit.promise
  const promise = api.get('/meta/entities/' + encodeURIComponent(name))
  metaCache.set(key, { at: Date.now(), promise })
  promise.catch(() => metaCache.delete(key))
  return promise
}

/* ---- fields ---- */

/** The field of meta named name, or undefined. */
export function fieldOf(meta, name) {
  return meta && meta.fields ? meta.fields.find((f) => f.name === name) : undefined
}

/** The field that names a record: the server's rule (meta.title_field, the
 * name refs to the record show), else the first listed, non-personal text. */
export function titleField(meta) {
  const fields = (meta && meta.fields) || []
  if (meta && meta.title_field) {
    const f = fields.find((x) => x.name === meta.title_field)
    if (f) return f
  }
  return (
    fields.find((f) => f.type === 'text' && f.list && !f.pi) || fields.find((f) => f.type === 'text' && !f.pi) || null
  )
}

export function recordTitle(meta, record) {
  const f = titleField(meta)
  // a person title (a mediator) reads as the person's masked name
  const t = f && record ? (f.type === 'person' ? record[f.name + '_name'] : record[f.name]) : ''
  return t || (record ? `${(meta && meta.label) || '记录'} ${record.id} 号` : '')
}

/** A code's label from the field's code list (inactive codes included). */
export function codeLabel(field, code) {
  if (code === null || code === undefined || code === '') return ''
  const c = (field.codes || []).find((x) => x.code === code)
  return c ? c.label : code
}

export const LONG_TEXT = 200
/** Text longer than this many characters gets a textarea (personal
 *  information is short: a phone number, an ID). */
export const isLongText = (field) => field.type === 'text' && !field.pi && (field.max_length || 0) > LONG_TEXT

/** true when the field has a declared range (meta sends min/max only then). */
export const hasRange = (field) => field.min !== undefined && field.max !== undefined

/**
 * A decimal bound of the metadata as text: meta sends min/max of decimal
 * fields in stored units of 10^-scale (fen for money), e.g. 10000000000 with
 * scale 2 → "100000000.00".
 */
export function decimalText(units, scale) {
  const neg = units < 0
  let digits = String(Math.abs(units)).padStart(scale + 1, '0')
  if (scale > 0) digits = digits.slice(0, -scale) + '.' + digits.slice(-scale)
  return (neg ? '-' : '') + digits
}

/** A decimal string → BigInt in 10^-scale units, or null when malformed or too precise. */
export function decimalUnits(text, scale) {
  const m = /^([+-]?)(\d+)(?:\.(\d*))?$/.exec(String(text).trim())
  if (!m || (m[3] || '').length > scale) return null
  const units = BigInt(m[2] + (m[3] || '').padEnd(scale, '0'))
  return m[1] === '-' ? -units : units
}

const isEmpty = (v) => v === null || v === undefined || v === ''

/**
 * A rule that keeps the server's message about a field (a 422's
 * error.fields) until the value changes: errors is a reactive map of field
 * name → message that the page clears when the field is edited.  Without
 * it the form's own validate() would wipe the message and send the same
 * value again.
 */
export const serverRule = (errors, name) => ({
  validator: (_, __, cb) => (errors[name] ? cb(new Error(errors[name])) : cb()),
  trigger: 'submit',
})

/**
 * Element Plus form rules mirroring the server's checks of a field
 * (src/engine/values.c): required, length in characters, integer and
 * decimal ranges, at most `scale` decimals.  required overrides the
 * field's own flag (a workflow action's `requires`).
 */
export function fieldRules(field, required = field.required) {
  const rules = []
  const trigger = ['blur', 'change']
  if (required && field.type !== 'bool')
    rules.push({ required: true, message: `请填写${field.label}`, trigger })
  if (field.type === 'text' && field.max_length)
    rules.push({ max: field.max_length, message: `不能超过 ${field.max_length} 个字`, trigger })
  if (field.type === 'int' && hasRange(field))
    rules.push({
      validator: (_, v, cb) =>
        isEmpty(v) || (v >= field.min && v <= field.max) ? cb() : cb(new Error(`须在 ${field.min} 到 ${field.max} 之间`)),
      trigger,
    })
  if (field.type === 'decimal')
    rules.push({
      validator: (_, v, cb) => {
        if (isEmpty(v)) return cb()
        const units = decimalUnits(v, field.scale || 0)
        if (units === null) return cb(new Error(field.scale ? `必须是数字, 最多 ${field.scale} 位小数` : '必须是整数'))
        if (hasRange(field) && (units < BigInt(field.min) || units > BigInt(field.max)))
          return cb(
            new Error(`须在 ${decimalText(field.min, field.scale)} 到 ${decimalText(field.max, field.scale)} 之间`),
          )
        cb()
      },
      trigger,
    })
  return rules
}

/* ---- workflow ---- */

/** The label of a workflow state, or the key itself. */
export function stateLabel(meta, key) {
  const s = meta && meta.workflow ? meta.workflow.states.find((x) => x.key === key) : null
  return s ? s.label : key || ''
}

/** Transitions the user may fire from the record's state. */
export function availableTransitions(meta, record) {
  if (!record || !record.wf_state || record.deleted_at) return []
  // the server lists the actions of the record's own workflow version
  // (with what the metadata adds: accepts, shows, comment_required)
  const declared = (a) => ((meta && meta.workflow && meta.workflow.transitions) || []).find((t) => t.action === a.action)
  if (Array.isArray(record.actions)) return record.actions.map((a) => ({ ...declared(a), ...a }))
  if (!meta || !meta.workflow) return []
  return meta.workflow.transitions.filter(
    (t) => t.allowed && (t.from.includes(record.wf_state) || t.from.includes('*')),
  )
}

/** Tag colour of a state: final states grey, overdue red, others blue. */
export function stateTagType(meta, record) {
  if (record.overdue) return 'danger'
  const s = meta && meta.workflow ? meta.workflow.states.find((x) => x.key === record.wf_state) : null
  return s && s.final ? 'info' : 'primary'
}

/** The name the server gives a linked record the reader may not read
 *  (src/engine/engine.h ENGINE_REF_WITHHELD; issue 18). */
export const REF_WITHHELD = '(无权查看的记录)'

/* ---- history ---- */

export const AUDIT_ACTIONS = {
  'record.create': '创建',
  'record.update': '修改',
  'record.delete': '删除',
  'record.restore': '恢复',
  'pi.unmask': '查看完整个人信息',
  'pi.lookup': '按个人信息精确查询',
  'workflow.escalate': '逾期升级督办',
}

/** The Chinese name of an audit action of a record's history. */
export function auditActionLabel(meta, action) {
  if (AUDIT_ACTIONS[action]) return AUDIT_ACTIONS[action]
  if (action && action.startsWith('workflow.')) {
    const key = action.slice('workflow.'.length)
    const t = meta && meta.workflow ? meta.workflow.transitions.find((x) => x.action === key) : null
    return t ? t.label : key
  }
  return action
}

/** Fields shown besides the declared ones: the spine of every record. */
export const SPINE_LABELS = {
  org_name: '所属机构',
  wf_state: '状态',
  due_at: '办理期限',
  state_due_at: '本环节期限',
  created_at: '创建时间',
  updated_at: '更新时间',
}
