// ECharts options shared by 达标评估 (ScorecardPage) and 驾驶舱 (CockpitPage):
// the offices × rules heat map of a district (GET /standards/matrix) and the
// compliance rate bar of the units below (GET /standards/scorecard units).
// Pages register the chart types themselves (HeatmapChart, BarChart,
// VisualMapComponent …) so each page's bundle holds only what it draws.
export const shortName = (name) => name.replace(/司法局$|司法所$/, '')

// ECharts puts what a tooltip formatter function returns into the page as
// HTML (its own default tooltips and valueFormatter output it escapes), so
// every piece of data a formatter returns goes through this first (issue 18:
// an office named "<img onerror=…>" ran in the heat map's tooltip).
// tests/e2e/test_standards.mjs checks every formatter in web/src does.
const HTML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
export const escapeHtml = (value) => String(value ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c])

/** Rules in the order of their clauses (14, 15, 16 … not as text: 14…20, 4). */
// a clause that is no number (四(三), from another document) goes after the numbered ones
const clauseKey = (r) => (Number.isNaN(parseFloat(r.clause)) ? Infinity : parseFloat(r.clause))
export const byClause = (rules) =>
  [...rules].sort((a, b) => clauseKey(a) - clauseKey(b) || String(a.clause).localeCompare(String(b.clause), 'zh-CN'))

/** A rule's column label: its clause, and where several rules share a
 *  clause the start of what tells its title from theirs (the words they all
 *  begin with left out: 村(居)法律顾问覆盖 / …履职 read 覆盖… / 履职…), so no
 *  two columns read the same. */
export function ruleLabels(rules) {
  const titles = {}
  for (const r of rules) (titles[r.clause] ||= []).push([...String(r.title)])
  const common = {}
  for (const [clause, ts] of Object.entries(titles)) {
    let n = 0
    while (ts.length > 1 && ts.every((t) => n < t.length - 1 && t[n] === ts[0][n])) n++
    common[clause] = n
  }
  return rules.map((r) =>
    titles[r.clause].length > 1
      ? `条款${r.clause}·${[...String(r.title)].slice(common[r.clause], common[r.clause] + 6).join('')}`
      : `条款${r.clause}`,
  )
}

/** The heat map option; the y index of a clicked cell is its office in
 *  matrix.offices. */
export function heatmapOption(matrix) {
  const rules = byClause(matrix.rules)
  const offices = matrix.offices
  const value = { pass: 2, not_due: 1, fail: 0 }
  const data = []
  offices.forEach((o, y) =>
    rules.forEach((r, x) => {
      const st = o.results[r.id]
      if (st) data.push([x, y, value[st]])
    }),
  )
  return {
    tooltip: {
      formatter: (p) =>
        `${escapeHtml(offices[p.value[1]].name)}<br/>${escapeHtml(rules[p.value[0]].title)}: ${escapeHtml(['未达标', '未到期', '达标'][p.value[2]])}`,
    },
    grid: { left: 8, right: 16, top: 8, bottom: 40, containLabel: true },
    xAxis: { type: 'category', data: ruleLabels(rules), axisLabel: { interval: 0, rotate: 30 } },
    yAxis: { type: 'category', data: offices.map((o) => shortName(o.name)), axisLabel: { interval: 0 } },
    visualMap: {
      type: 'piecewise',
      orient: 'horizontal',
      left: 'center',
      bottom: 0,
      pieces: [
        { value: 0, label: '未达标', color: '#c62828' },
        { value: 1, label: '未到期', color: '#bdbdbd' },
        { value: 2, label: '达标', color: '#2f7d32' },
      ],
    },
    series: [{ type: 'heatmap', data, itemStyle: { borderColor: '#fff', borderWidth: 1 } }],
  }
}

/** The units sorted by rate, best first, and their bar option; the data
 *  index of a clicked bar is its unit in the returned units.  width: the
 *  chart's width in pixels — where the names would not stand side by side
 *  (a phone, 16 districts), the bars lie down, one name a row, and height
 *  says how tall the chart must be for them. */
export function rateBarsOption(scorecardUnits, width = 1000) {
  const units = [...scorecardUnits].sort((a, b) => (b.rate ?? -1) - (a.rate ?? -1))
  const tooltip = { trigger: 'axis', valueFormatter: (v) => (v === null || v === undefined ? '—' : v + '%') }
  const names = units.map((u) => shortName(u.name))
  const rates = { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } }
  const bars = { type: 'bar', data: units.map((u) => u.rate), itemStyle: { color: '#2f7d32' }, barMaxWidth: 36 }
  if (units.length > 8 && width / units.length < 44) {
    return {
      units,
      height: 40 + units.length * 24,
      option: {
        tooltip,
        grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
        // best first at the top
        yAxis: { type: 'category', data: names, inverse: true, axisLabel: { interval: 0 } },
        xAxis: rates,
        series: [{ ...bars, barMaxWidth: 16 }],
      },
    }
  }
  return {
    units,
    option: {
      tooltip,
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      xAxis: {
        type: 'category',
        data: names,
        // every name, never overlapping: upright for a few, slanted, then vertical for a district's 36 offices
        axisLabel: { interval: 0, rotate: units.length > 16 ? 90 : units.length > 8 ? 40 : 0, fontSize: units.length > 16 ? 11 : 12 },
      },
      yAxis: rates,
      series: [bars],
    },
  }
}

/** The trend of the rate by year (scorecard years). */
export function trendOption(years) {
  return {
    tooltip: { trigger: 'axis', valueFormatter: (v) => (v === null || v === undefined ? '—' : v + '%') },
    grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: years.map((y) => y.as_of), axisLabel: { interval: 0 } },
    yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
    series: [{ type: 'line', data: years.map((y) => y.rate), itemStyle: { color: '#1d4e89' }, label: { show: true, formatter: '{c}%' } }],
  }
}
