import ExcelJS from 'exceljs';
import { AppError } from '../../core/index.ts';
import { type ItemRow, LABELS, parseRow, type RowError } from './item-row.ts';

const COLUMNS = ['题型 type', '题干 stem', ...LABELS.map((l) => `选项${l}`), '答案 key', '解析 explanation', '知识点 tags', '难度 level'];
const TYPE_IN: Record<string, string> = { 单选: 'single', 多选: 'multiple', single: 'single', multiple: 'multiple' };
const LEVEL_IN: Record<string, string> = { 易: 'easy', 中: 'medium', 难: 'hard', easy: 'easy', medium: 'medium', hard: 'hard' };

/**
 * The bank as an Excel workbook (exceljs): sheet 题目 with one item per row in the columns teachers fill
 * (the same workbook with no rows is the import template), and sheet 说明 explaining each column.
 */
export async function exportXlsx(rows: ItemRow[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'YingZhi 影知';
  const sheet = wb.addWorksheet('题目');
  sheet.addRow(COLUMNS).font = { bold: true };
  for (const r of rows) {
    sheet.addRow([r.type === 'multiple' ? '多选' : '单选', r.stem, ...LABELS.map((_, i) => r.options[i] ?? ''), r.key.join(''), r.explanation, r.tags.join(','), { easy: '易', medium: '中', hard: '难' }[r.level]]);
  }
  sheet.columns.forEach((c, i) => {
    c.width = i === 1 || i === 11 ? 48 : 14;
  });
  const help = wb.addWorksheet('说明');
  for (const line of [
    ['题型', '单选 或 多选'], ['题干', '4–500 字'], ['选项A–H', '至少填 2 个，从 A 开始连续填写'], ['答案', '选项字母，如 B 或 ACD（多选至少 2 个）'],
    ['解析', '可引用指南名称、版本与页码'], ['知识点', '实体编号或名称，逗号分隔（须为知识库中已有实体）'], ['难度', '易 / 中 / 难'],
  ]) help.addRow(line);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** Read a workbook filled from the template: every row validated; errors name the row and column. */
export async function parseXlsx(bytes: Buffer): Promise<{ rows: ItemRow[]; numbers: number[]; errors: RowError[] }> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (e) {
    throw new AppError('IMPORT_INVALID', `不是有效的 xlsx 文件 / not a readable xlsx workbook: ${(e as Error).message}`, { field: 'file' });
  }
  const sheet = wb.getWorksheet('题目') ?? wb.worksheets[0];
  if (!sheet) throw new AppError('IMPORT_INVALID', '工作簿中没有工作表 / the workbook has no sheet', { field: 'file' });
  const rows: ItemRow[] = [];
  const numbers: number[] = [];
  const errors: RowError[] = [];
  sheet.eachRow((r, n) => {
    if (n === 1) return;
    const cell = (i: number) => String(r.getCell(i).text ?? '').trim();
    const options: string[] = [];
    for (let i = 0; i < LABELS.length && cell(3 + i); i++) options.push(cell(3 + i));
    const raw = {
      type: TYPE_IN[cell(1)] ?? cell(1),
      stem: cell(2),
      options,
      key: cell(11).toUpperCase().replace(/[^A-Z]/g, '').split('').filter(Boolean),
      explanation: cell(12),
      tags: cell(13).split(/[,，、;；]/).map((t) => t.trim()).filter(Boolean),
      level: LEVEL_IN[cell(14)] ?? (cell(14) || undefined),
    };
    const parsed = parseRow(raw, n);
    if (parsed.row) {
      rows.push(parsed.row);
      numbers.push(n);
    }
    errors.push(...parsed.errors);
  });
  return { rows, numbers, errors };
}
