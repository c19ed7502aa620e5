// panels.js — the extra panels a record's detail page may show, by the name
// an entity declares in its .panels (GET /meta/entities/:entity → panels),
// and those of its list page's head (.list_panels → list_panels).
// A panel is a feature (documents to download, a report preview), not an
// entity: any entity may declare one; the page branches on no entity name.
import { defineAsyncComponent } from 'vue'

export const PANELS = {
  // 文书 an entity declares (entity_t.documents): any entity, from /meta
  documents: defineAsyncComponent(() => import('./components/RecordDocuments.vue')),
  // 预览报告 / downloads of a generated report
  'annual-report': defineAsyncComponent(() => import('./components/AnnualReportPanel.vue')),
  // 意见汇总 of a call published to every unit below (its copies' counts and items: legislative campaigns)
  'call-tally': defineAsyncComponent(() => import('./components/CallTally.vue')),
  // 社区矫正: a subject's education and public-benefit hours per month
  // 公众门户: the channel a resident's submission came by, and the office's replies (docs/portal.md)
  portal: defineAsyncComponent(() => import('./components/PortalPanel.vue')),
  'corrections-hours': defineAsyncComponent(() => import('./components/CorrectionsHours.vue')),
  // 统计报表: the form's tables, its consistency checks, 重新生成 and 下载 Excel (stat-returns)
  'stat-return': defineAsyncComponent(() => import('./components/StatReturnPanel.vue')),
  // a list's head (entity_t.list_panels): 生成报表 — a unit, form and period picked, the return generated
  'stat-return-generate': defineAsyncComponent(() => import('./components/StatReturnGenerate.vue')),
}
