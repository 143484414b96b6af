/**
 * Plain-language names for the codes the server speaks (permissions, audit actions), so clinicians
 * and auditors read 「审核知识」, not `knowledge.review`. The code stays available as a tooltip and
 * in data attributes for whoever needs the exact value.
 */
type Lang = 'zh' | 'en';
type Names = Record<string, { zh: string; en: string }>;

const PERMISSION_NAMES: Names = {
  'knowledge.read': { zh: '查阅知识库', en: 'Read the knowledge base' },
  'knowledge.review': { zh: '审核知识', en: 'Review knowledge' },
  'sources.manage': { zh: '管理资料', en: 'Manage sources' },
  'jobs.manage': { zh: '管理后台任务', en: 'Manage background jobs' },
  'exam.manage': { zh: '题库与组卷', en: 'Question bank and exams' },
  'exam.take': { zh: '参加考试', en: 'Take exams' },
  'report.draft': { zh: '起草报告', en: 'Draft reports' },
  'imaging.qc': { zh: '影像质控', en: 'Imaging QC' },
  'connectors.manage': { zh: '管理外部连接', en: 'Manage connectors' },
  'connectors.allowlist': { zh: '设置允许连接的地址', en: 'Set connector allow-list' },
  'admin.users': { zh: '管理用户', en: 'Manage users' },
  'admin.settings': { zh: '系统设置', en: 'System settings' },
  'audit.read': { zh: '查看审计日志', en: 'Read the audit log' },
  'cases.curate': { zh: '维护典型病例', en: 'Curate typical cases' },
};

/** Audit actions read as 「对象 · 动作」 from the two halves of the code, so a new action is named without a new entry. */
const DOMAINS: Names = {
  auth: { zh: '登录', en: 'Sign-in' },
  permission: { zh: '权限', en: 'Permission' },
  user: { zh: '用户', en: 'User' },
  token: { zh: '访问令牌', en: 'API token' },
  review: { zh: '知识审核', en: 'Review' },
  vocab: { zh: '术语表', en: 'Vocabulary' },
  data: { zh: '数据', en: 'Data' },
  connector: { zh: '外部连接', en: 'Connector' },
  llm: { zh: '大模型', en: 'Language model' },
  report: { zh: '报告', en: 'Report' },
  source: { zh: '资料', en: 'Source' },
  passage: { zh: '段落', en: 'Passage' },
  collection: { zh: '知识库', en: 'Collection' },
  literature: { zh: '文献', en: 'Literature' },
  watch: { zh: '文献订阅', en: 'Literature watch' },
  extract: { zh: '知识抽取', en: 'Extraction' },
  graph: { zh: '知识图谱', en: 'Graph' },
  chat: { zh: '对话', en: 'Chat' },
  job: { zh: '后台任务', en: 'Job' },
  key: { zh: '密钥', en: 'Key' },
  audit: { zh: '审计日志', en: 'Audit log' },
  question: { zh: '题目', en: 'Question' },
  exam: { zh: '考试', en: 'Exam' },
  imaging: { zh: '影像', en: 'Imaging' },
  case: { zh: '病例', en: 'Case' },
  cases: { zh: '病例', en: 'Cases' },
};
const VERBS: Names = {
  login: { zh: '登录成功', en: 'signed in' },
  login_failed: { zh: '登录失败', en: 'sign-in failed' },
  logout: { zh: '退出', en: 'signed out' },
  change: { zh: '变更', en: 'changed' },
  password_change: { zh: '修改密码', en: 'password changed' },
  password_reset: { zh: '重置密码', en: 'password reset' },
  create: { zh: '创建', en: 'created' },
  update: { zh: '修改', en: 'updated' },
  edit: { zh: '编辑', en: 'edited' },
  delete: { zh: '删除', en: 'deleted' },
  revoke: { zh: '吊销', en: 'revoked' },
  approve: { zh: '批准', en: 'approved' },
  reject: { zh: '驳回', en: 'rejected' },
  merge: { zh: '合并', en: 'merged' },
  unmerge: { zh: '撤销合并', en: 'unmerged' },
  retire: { zh: '退役', en: 'retired' },
  import: { zh: '导入', en: 'imported' },
  export: { zh: '导出', en: 'exported' },
  undo: { zh: '撤销', en: 'undone' },
  term_approve: { zh: '批准新术语', en: 'term approved' },
  term_reject: { zh: '驳回新术语', en: 'term rejected' },
  settings: { zh: '设置变更', en: 'settings changed' },
  push: { zh: '推送', en: 'pushed' },
  upload: { zh: '上传', en: 'uploaded' },
  unsupersede: { zh: '恢复为现行版本', en: 'made current again' },
  reparse: { zh: '重新解析', en: 're-parsed' },
  disable: { zh: '停用', en: 'disabled' },
  enable: { zh: '启用', en: 'enabled' },
  run: { zh: '立即运行', en: 'run' },
  queue: { zh: '排队', en: 'queued' },
  rebuild: { zh: '重建', en: 'rebuilt' },
  test: { zh: '测试', en: 'tested' },
  retry: { zh: '重试', en: 'retried' },
  cancel: { zh: '取消', en: 'cancelled' },
  rotate: { zh: '轮换', en: 'rotated' },
  archive: { zh: '归档', en: 'archived' },
  purge: { zh: '清除', en: 'purged' },
  rekey: { zh: '更换签名密钥', en: 're-keyed' },
  generate: { zh: '生成', en: 'generated' },
  recalibrate: { zh: '重新校准', en: 'recalibrated' },
  publish: { zh: '发布', en: 'published' },
  start: { zh: '开始', en: 'started' },
  submit: { zh: '提交', en: 'submitted' },
  measure: { zh: '测量', en: 'measured' },
  qc: { zh: '质控', en: 'quality-checked' },
  ai_request: { zh: '请求 AI 分析', en: 'AI analysis requested' },
  ai_import: { zh: '导入 AI 结果', en: 'AI result imported' },
  draft: { zh: '起草', en: 'drafted' },
  add_sources: { zh: '加入资料', en: 'sources added' },
  remove_sources: { zh: '移出资料', en: 'sources removed' },
};

/** The permission in words; an unknown code is shown as it is. */
export function permissionName(code: string, lang: Lang): string {
  return PERMISSION_NAMES[code]?.[lang] ?? code;
}

/** The audit action in words (「资料 · 删除」 / "Source deleted"); an unknown half is shown as its code. */
export function auditActionName(code: string, lang: Lang): string {
  const dot = code.indexOf('.');
  if (dot < 0) return code;
  const domain = DOMAINS[code.slice(0, dot)];
  const verb = VERBS[code.slice(dot + 1)];
  if (!domain || !verb) return code;
  return lang === 'zh' ? `${domain.zh} · ${verb.zh}` : `${domain.en} ${verb.en}`;
}
