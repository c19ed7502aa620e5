// kinds.js — the five forms: only what the office's own form needs (the
// server's portal.c builds the record from these and checks them again).
// type: text | textarea | select (a code list from GET /kinds) | date |
// number | campaign (an open legislative campaign of the chosen township).

export const FORMS = {
  consultation: {
    intro: '向所在街道(镇)司法所咨询法律问题, 无需注册。',
    fields: [
      { key: 'category', label: '咨询类别', type: 'select', list: 'pls_category', required: true },
      { key: 'title', label: '咨询事项 (一句话)', type: 'text', max: 33, required: true },
      { key: 'question', label: '具体问题', type: 'textarea', max: 600, required: true },
    ],
  },
  mediation: {
    intro: '邻里、家庭、物业等民间纠纷, 可申请人民调解。调解不收费, 自愿参加。',
    fields: [
      { key: 'category', label: '纠纷类型', type: 'select', list: 'dispute_category', required: true },
      { key: 'title', label: '纠纷事由 (一句话)', type: 'text', max: 33, required: true },
      { key: 'summary', label: '纠纷经过', type: 'textarea', max: 500, required: true },
      { key: 'respondent_name', label: '对方当事人姓名 (个人)', type: 'text', max: 20 },
      { key: 'respondent.id_number', label: '对方身份证号码 (知道时填写)', type: 'idcard' },
      { key: 'respondent_unit', label: '或: 对方单位名称', type: 'text', max: 66 },
    ],
  },
  reconsideration: {
    intro: '对行政机关的行政行为不服, 可通过司法所代为递交行政复议申请。',
    attachments: true, // the decision contested, the application: PDF or photos
    fields: [
      { key: 'respondent', label: '被申请人 (作出行为的行政机关)', type: 'text', max: 66, required: true },
      { key: 'act', label: '申请复议的行政行为 (如决定书名称、文号)', type: 'textarea', max: 166, required: true },
      { key: 'act_known_on', label: '知道该行政行为的日期', type: 'date' },
      { key: 'requests', label: '行政复议请求', type: 'textarea', max: 600, required: true },
      { key: 'materials', label: '您将提交的材料 (如决定书复印件)', type: 'text', max: 300 },
    ],
  },
  legal_aid: {
    intro: '经济困难、需要律师帮助的, 可先在线预申请, 由司法所初审后转交法律援助机构。',
    fields: [
      { key: 'case_kind', label: '事项类别', type: 'select', list: 'pls_aid_kind', required: true },
      { key: 'matter', label: '申请事项', type: 'text', max: 66, required: true },
      { key: 'hardship', label: '经济困难情形', type: 'select', list: 'pls_hardship', required: true },
      { key: 'household_size', label: '家庭人口 (人)', type: 'number' },
      { key: 'monthly_income', label: '家庭月人均收入 (元)', type: 'text', max: 12, inputmode: 'decimal' },
      { key: 'hardship_facts', label: '经济困难的具体情况', type: 'textarea', max: 600, required: true },
    ],
  },
  legislation: {
    intro: '对正在征求意见的法规、规章草案提出您的建议。',
    fields: [
      { key: 'campaign_id', label: '征求意见的草案', type: 'campaign', required: true },
      { key: 'article', label: '涉及条款 (可不填)', type: 'text', max: 33 },
      { key: 'content', label: '您的意见和建议', type: 'textarea', max: 1300, required: true },
    ],
  },
}
