/**
 * Every visible string of the UI. Chinese is the default; the choice is kept in localStorage.
 * `t('key', { n: 3 })` replaces `{n}` in the message.
 */
import { createContext, createElement, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';

export type Lang = 'zh' | 'en';
const STORAGE_KEY = 'yingzhi.lang';

const zh = {
  'app.name': '影知',
  'app.nameLatin': 'YingZhi',
  'app.tagline': '影像知识库',
  'nav.search': '检索',
  'nav.sources': '来源',
  'nav.jobs': '任务',
  'nav.docs': 'API 文档',
  'nav.main': '主导航',
  'lang.switch': '界面语言',
  'status.ready': '服务正常',
  'status.degraded': '服务降级',
  'status.down': '无法连接服务',
  'status.checking': '正在检查…',
  'status.database': '数据库',
  'status.embedder': '向量模型',
  'status.dims': '{n} 维',
  'status.llm': '大模型',
  'status.llmNone': '无 — 确定性引擎',
  'status.corpus': '语料',
  'status.corpusValue': '{sources} 个来源 · {chunks} 个段落',
  'footer.demo': '演示内容仅用于展示与测试，不得用于临床决策。',

  'kind.guideline': '指南',
  'kind.textbook': '教材',
  'kind.literature': '文献',
  'kind.case': '病例',
  'kind.other': '其他',
  'sourceStatus.pending': '处理中',
  'sourceStatus.ready': '可检索',
  'sourceStatus.failed': '失败',
  'jobStatus.queued': '排队中',
  'jobStatus.running': '运行中',
  'jobStatus.succeeded': '已完成',
  'jobStatus.failed': '失败',
  'jobStatus.cancelled': '已取消',
  'jobKind.ingest': '导入',
  'jobKind.embed': '向量化',
  'step.embed': '生成向量',
  'step.index': '索引',
  'step.parse': '解析',
  'lang.zh': '中文',
  'lang.en': '英文',
  'badge.demo': '演示',
  'badge.superseded': '已被取代',
  'common.loading': '加载中…',
  'common.retry': '重试',
  'common.none': '—',
  'common.errorTitle': '出错了',
  'common.back': '返回',
  'common.page': '第 {n} 页',
  'common.pages': '第 {from}–{to} 页',
  'common.prevPage': '上一页',
  'common.nextPage': '下一页',
  'common.goto': '跳转',
  'common.pageOf': '共 {n} 页',

  'search.title': '检索',
  'search.placeholder': '输入检索词，如：磨玻璃结节 随访、GGO、DWI 急性脑梗死',
  'search.submit': '检索',
  'search.label': '检索词',
  'search.filters': '筛选',
  'search.kind': '来源类型',
  'search.year': '年份',
  'search.yearFrom': '起',
  'search.yearTo': '止',
  'search.mode': '检索方式',
  'search.mode.hybrid': '混合',
  'search.mode.bm25': 'BM25 关键词',
  'search.mode.vector': '向量',
  'search.includeSuperseded': '包含已被取代的版本',
  'search.expansions': '同义词扩展',
  'search.resultsCount': '共 {n} 条结果 · 用时 {ms} 毫秒',
  'search.empty': '未找到相关段落',
  'search.emptyHint': '请尝试更换检索词、放宽筛选条件，或使用同义词与缩写（如 GGO、DWI）。',
  'search.welcome': '在已导入的指南、教材与文献中检索段落，每条结果都附带出处与页码。',
  'search.examples': '示例：',
  'search.rankBm25': 'BM25 #{n}',
  'search.rankVector': '向量 #{n}',
  'search.openInContext': '在原文中查看',
  'search.searching': '正在检索…',
  'search.failed': '检索失败',
  'search.rank': '第 {n} 条',
  'search.more': '显示更多结果',

  'passage.title': '原文段落',
  'passage.source': '来源信息',
  'passage.citation': '引用',
  'passage.openSource': '查看来源详情',
  'passage.backToSearch': '返回检索结果',
  'passage.backToPassage': '回到引用段落',
  'passage.headingPath': '章节',
  'passage.chunk': '段落 #{n}',
  'passage.notShown': '当前显示第 {n} 页，引用段落不在此页。',

  'meta.kind': '类型',
  'meta.publisher': '发布机构',
  'meta.version': '版本',
  'meta.year': '年份',
  'meta.language': '语言',
  'meta.file': '文件',
  'meta.size': '大小',
  'meta.pages': '页数',
  'meta.chunks': '段落数',
  'meta.status': '状态',
  'meta.paging': '分页方式',
  'meta.created': '导入时间',
  'meta.updated': '更新时间',
  'meta.versionNo': '版本序号',
  'meta.supersededBy': '已被取代，新版本',
  'meta.id': '编号',
  'paging.native': 'PDF 原始页码',
  'paging.marked': '文档标注页码',
  'paging.virtual': '按长度自动分页',

  'sources.title': '来源',
  'sources.upload': '导入文档',
  'sources.uploadHint': '支持 PDF、Markdown、HTML、TXT。元数据可留空，将从文件中读取。',
  'sources.file': '文件',
  'sources.kind': '类型',
  'sources.kindAuto': '自动（按文件元数据）',
  'sources.titleField': '标题',
  'sources.publisher': '发布机构',
  'sources.version': '版本',
  'sources.year': '年份',
  'sources.language': '语言',
  'sources.languageAuto': '自动识别',
  'sources.submit': '上传并导入',
  'sources.uploading': '正在上传 {sent} / {total}',
  'sources.uploaded': '上传完成，等待导入…',
  'sources.ingesting': '正在导入：{step} {done} / {total}',
  'sources.ingestQueued': '已排队，等待处理…',
  'sources.ingestDone': '导入完成：{title}（{chunks} 个段落）',
  'sources.ingestFailed': '导入失败',
  'sources.ingestCancelled': '导入任务已取消',
  'sources.duplicate': '该文件已导入',
  'sources.duplicateLink': '查看已导入的来源：{title}',
  'sources.uploadFailed': '上传失败',
  'sources.chooseFile': '请先选择文件',
  'sources.chooseFileButton': '选择文件…',
  'sources.noFile': '未选择文件（PDF、Markdown、HTML、TXT）',
  'sources.view': '查看',
  'sources.list': '来源列表',
  'sources.filterKind': '按类型筛选',
  'sources.all': '全部',
  'sources.count': '共 {n} 个来源',
  'sources.emptyList': '暂无来源。请在上方导入文档。',
  'sources.col.title': '标题',
  'sources.col.kind': '类型',
  'sources.col.version': '版本',
  'sources.col.year': '年份',
  'sources.col.pages': '页数',
  'sources.col.chunks': '段落',
  'sources.col.status': '状态',
  'sources.col.created': '导入时间',

  'detail.title': '来源详情',
  'detail.backToList': '返回来源列表',
  'detail.error': '导入错误',
  'detail.pageBrowser': '分页浏览',
  'detail.pageNumber': '页码',
  'detail.noPages': '该来源尚无可浏览的页面。',
  'detail.emptyPage': '（此页没有文字）',

  'jobs.title': '任务',
  'jobs.autoRefresh': '每 2 秒自动刷新 · 上次刷新 {time}',
  'jobs.all': '全部',
  'jobs.empty': '暂无任务',
  'jobs.col.kind': '类型',
  'jobs.col.target': '对象',
  'jobs.col.status': '状态',
  'jobs.col.step': '步骤',
  'jobs.col.progress': '进度',
  'jobs.col.attempts': '尝试次数',
  'jobs.col.error': '错误',
  'jobs.col.created': '创建时间',
  'jobs.col.finished': '结束时间',
  'jobs.col.actions': '操作',
  'jobs.retry': '重试',
  'jobs.cancel': '取消',
  'jobs.actionDone': '已提交：{action}',

  'notFound.title': '页面不存在',
  'notFound.body': '您访问的地址不存在。',
  'notFound.home': '返回检索',
};

type Dict = Record<keyof typeof zh, string>;

const en: Dict = {
  'app.name': '影知',
  'app.nameLatin': 'YingZhi',
  'app.tagline': 'Radiology knowledge base',
  'nav.search': 'Search',
  'nav.sources': 'Sources',
  'nav.jobs': 'Jobs',
  'nav.docs': 'API docs',
  'nav.main': 'Main navigation',
  'lang.switch': 'Interface language',
  'status.ready': 'Service ready',
  'status.degraded': 'Service degraded',
  'status.down': 'Server unreachable',
  'status.checking': 'Checking…',
  'status.database': 'Database',
  'status.embedder': 'Embedder',
  'status.dims': '{n} dims',
  'status.llm': 'LLM',
  'status.llmNone': 'none — deterministic engines',
  'status.corpus': 'Corpus',
  'status.corpusValue': '{sources} sources · {chunks} passages',
  'footer.demo': 'Demo content is for demonstration and testing only, not for clinical decisions.',

  'kind.guideline': 'Guideline',
  'kind.textbook': 'Textbook',
  'kind.literature': 'Literature',
  'kind.case': 'Case',
  'kind.other': 'Other',
  'sourceStatus.pending': 'Processing',
  'sourceStatus.ready': 'Ready',
  'sourceStatus.failed': 'Failed',
  'jobStatus.queued': 'Queued',
  'jobStatus.running': 'Running',
  'jobStatus.succeeded': 'Succeeded',
  'jobStatus.failed': 'Failed',
  'jobStatus.cancelled': 'Cancelled',
  'jobKind.ingest': 'Ingest',
  'jobKind.embed': 'Embedding',
  'step.embed': 'Embedding',
  'step.index': 'Indexing',
  'step.parse': 'Parsing',
  'lang.zh': 'Chinese',
  'lang.en': 'English',
  'badge.demo': 'Demo',
  'badge.superseded': 'Superseded',
  'common.loading': 'Loading…',
  'common.retry': 'Retry',
  'common.none': '—',
  'common.errorTitle': 'Something went wrong',
  'common.back': 'Back',
  'common.page': 'Page {n}',
  'common.pages': 'Pages {from}–{to}',
  'common.prevPage': 'Previous page',
  'common.nextPage': 'Next page',
  'common.goto': 'Go',
  'common.pageOf': 'of {n}',

  'search.title': 'Search',
  'search.placeholder': 'Search terms, e.g. ground-glass nodule follow-up, GGO, DWI infarction',
  'search.submit': 'Search',
  'search.label': 'Search terms',
  'search.filters': 'Filters',
  'search.kind': 'Source type',
  'search.year': 'Year',
  'search.yearFrom': 'from',
  'search.yearTo': 'to',
  'search.mode': 'Mode',
  'search.mode.hybrid': 'Hybrid',
  'search.mode.bm25': 'BM25 keywords',
  'search.mode.vector': 'Vector',
  'search.includeSuperseded': 'Include superseded versions',
  'search.expansions': 'Synonym expansion',
  'search.resultsCount': '{n} results · {ms} ms',
  'search.empty': 'No matching passages found',
  'search.emptyHint': 'Try other terms, relax the filters, or use synonyms and abbreviations (e.g. GGO, DWI).',
  'search.welcome': 'Search passages in the ingested guidelines, textbooks and literature; every result carries its source and page.',
  'search.examples': 'Examples:',
  'search.rankBm25': 'BM25 #{n}',
  'search.rankVector': 'Vector #{n}',
  'search.openInContext': 'Open in page context',
  'search.searching': 'Searching…',
  'search.failed': 'Search failed',
  'search.rank': 'Result {n}',
  'search.more': 'Show more results',

  'passage.title': 'Passage',
  'passage.source': 'Source',
  'passage.citation': 'Citation',
  'passage.openSource': 'Source details',
  'passage.backToSearch': 'Back to results',
  'passage.backToPassage': 'Back to the cited passage',
  'passage.headingPath': 'Section',
  'passage.chunk': 'Passage #{n}',
  'passage.notShown': 'Showing page {n}; the cited passage is not on this page.',

  'meta.kind': 'Type',
  'meta.publisher': 'Publisher',
  'meta.version': 'Version',
  'meta.year': 'Year',
  'meta.language': 'Language',
  'meta.file': 'File',
  'meta.size': 'Size',
  'meta.pages': 'Pages',
  'meta.chunks': 'Passages',
  'meta.status': 'Status',
  'meta.paging': 'Paging',
  'meta.created': 'Ingested',
  'meta.updated': 'Updated',
  'meta.versionNo': 'Version no.',
  'meta.supersededBy': 'Superseded by',
  'meta.id': 'ID',
  'paging.native': 'PDF pages',
  'paging.marked': 'Page markers in the document',
  'paging.virtual': 'Automatic pages by length',

  'sources.title': 'Sources',
  'sources.upload': 'Import a document',
  'sources.uploadHint': 'PDF, Markdown, HTML or TXT. Metadata is optional and read from the file when left empty.',
  'sources.file': 'File',
  'sources.kind': 'Type',
  'sources.kindAuto': 'Automatic (from file metadata)',
  'sources.titleField': 'Title',
  'sources.publisher': 'Publisher',
  'sources.version': 'Version',
  'sources.year': 'Year',
  'sources.language': 'Language',
  'sources.languageAuto': 'Detect automatically',
  'sources.submit': 'Upload and import',
  'sources.uploading': 'Uploading {sent} / {total}',
  'sources.uploaded': 'Uploaded, waiting for import…',
  'sources.ingesting': 'Importing: {step} {done} / {total}',
  'sources.ingestQueued': 'Queued, waiting to start…',
  'sources.ingestDone': 'Imported: {title} ({chunks} passages)',
  'sources.ingestFailed': 'Import failed',
  'sources.ingestCancelled': 'Import job cancelled',
  'sources.duplicate': 'Already ingested',
  'sources.duplicateLink': 'Open the existing source: {title}',
  'sources.uploadFailed': 'Upload failed',
  'sources.chooseFile': 'Choose a file first',
  'sources.chooseFileButton': 'Choose file…',
  'sources.noFile': 'No file chosen (PDF, Markdown, HTML, TXT)',
  'sources.view': 'View',
  'sources.list': 'All sources',
  'sources.filterKind': 'Filter by type',
  'sources.all': 'All',
  'sources.count': '{n} sources',
  'sources.emptyList': 'No sources yet. Import a document above.',
  'sources.col.title': 'Title',
  'sources.col.kind': 'Type',
  'sources.col.version': 'Version',
  'sources.col.year': 'Year',
  'sources.col.pages': 'Pages',
  'sources.col.chunks': 'Passages',
  'sources.col.status': 'Status',
  'sources.col.created': 'Ingested',

  'detail.title': 'Source details',
  'detail.backToList': 'Back to sources',
  'detail.error': 'Import error',
  'detail.pageBrowser': 'Pages',
  'detail.pageNumber': 'Page',
  'detail.noPages': 'This source has no pages to browse yet.',
  'detail.emptyPage': '(no text on this page)',

  'jobs.title': 'Jobs',
  'jobs.autoRefresh': 'Refreshes every 2 s · last refresh {time}',
  'jobs.all': 'All',
  'jobs.empty': 'No jobs',
  'jobs.col.kind': 'Kind',
  'jobs.col.target': 'Target',
  'jobs.col.status': 'Status',
  'jobs.col.step': 'Step',
  'jobs.col.progress': 'Progress',
  'jobs.col.attempts': 'Attempts',
  'jobs.col.error': 'Error',
  'jobs.col.created': 'Created',
  'jobs.col.finished': 'Finished',
  'jobs.col.actions': 'Actions',
  'jobs.retry': 'Retry',
  'jobs.cancel': 'Cancel',
  'jobs.actionDone': 'Submitted: {action}',

  'notFound.title': 'Page not found',
  'notFound.body': 'The address you opened does not exist.',
  'notFound.home': 'Back to search',
};

export type MessageKey = keyof typeof zh;
const DICTS: Record<Lang, Dict> = { zh, en };

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translate(lang: Lang, key: MessageKey, params?: Record<string, string | number>): string {
  const msg = DICTS[lang][key] ?? zh[key] ?? key;
  if (!params) return msg;
  return msg.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** A key that is built at runtime (e.g. `kind.${kind}`): falls back to the raw value when unknown. */
export function translateDynamic(lang: Lang, key: string, fallback: string): string {
  return key in zh ? translate(lang, key as MessageKey) : fallback;
}

function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'zh' || saved === 'en') return saved;
  } catch {
    // storage disabled: keep the default
  }
  return 'zh';
}

interface I18nValue {
  lang: Lang;
  setLang(lang: Lang): void;
  t: Translate;
  /** Translate a runtime key such as `kind.guideline`, falling back to `fallback`. */
  td(key: string, fallback: string): string;
  /** Date/time in the current language. */
  dateTime(iso: string | null | undefined): string;
  number(n: number): string;
}

const I18nContext = createContext<I18nValue | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  }, [lang]);
  const setLang = useCallback((l: Lang) => {
    setLangState(l);
    try {
      localStorage.setItem(STORAGE_KEY, l);
    } catch {
      // storage disabled: the choice lasts for this page only
    }
  }, []);
  const value = useMemo<I18nValue>(() => {
    const locale = lang === 'zh' ? 'zh-CN' : 'en-GB';
    const dtf = new Intl.DateTimeFormat(locale, {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    });
    const nf = new Intl.NumberFormat(locale);
    return {
      lang,
      setLang,
      t: (key, params) => translate(lang, key, params),
      td: (key, fallback) => translateDynamic(lang, key, fallback),
      dateTime: (iso) => {
        if (!iso) return translate(lang, 'common.none');
        const d = new Date(iso);
        return Number.isNaN(d.getTime()) ? iso : dtf.format(d);
      },
      number: (n) => nf.format(n),
    };
  }, [lang, setLang]);
  return createElement(I18nContext.Provider, { value }, children);
}

export function useI18n(): I18nValue {
  const v = useContext(I18nContext);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
