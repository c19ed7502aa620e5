// xlsxImport.js — an .xlsx file as the CSV the server's import takes
// (POST /:entity/import, engine/import.c): the first sheet read in the
// browser by read-excel-file (MIT, maintained, reads .xlsx only — no macros,
// no old .xls — with fflate for the zip; loaded only when an .xlsx is
// chosen), then written as CSV.  Dates become YYYY-MM-DD, 是/否 stay as
// text.  A title row above the header (as the list's export writes one) is
// left out; `offset` says how many rows were, so the server's row numbers
// can be told as the spreadsheet's.
import dayjs from 'dayjs'

const cell = (v) => {
  if (v === null || v === undefined) return ''
  if (v instanceof Date) return dayjs(v).format(v.getUTCHours() || v.getUTCMinutes() ? 'YYYY-MM-DD HH:mm:ss' : 'YYYY-MM-DD')
  if (typeof v === 'boolean') return v ? '是' : '否'
  return String(v)
}
const quote = (s) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)

/** Resolves to { csv: Blob (text/csv), rows: data rows, offset: rows left out above the header }. */
export async function xlsxToCsv(file) {
  const { readSheet } = await import('read-excel-file/universal')
  const rows = (await readSheet(file)).map((r) => r.map(cell))
  // a title row: one filled cell over a header of several
  const filled = (r) => (r || []).filter((c) => c.trim() !== '').length
  const offset = rows.length > 1 && filled(rows[0]) === 1 && filled(rows[1]) > 1 ? 1 : 0
  const body = rows.slice(offset).filter((r) => filled(r) > 0)
  const text = body.map((r) => r.map(quote).join(',')).join('\r\n') + '\r\n'
  return { csv: new Blob(['\ufeff' + text], { type: 'text/csv' }), rows: Math.max(0, body.length - 1), offset }
}
