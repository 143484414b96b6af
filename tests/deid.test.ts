import { describe, expect, it } from 'vitest';
import { type DeidPolicy, type DeidResult, dateShiftDaysFor, deidentify, isValidPrcIdNumber } from '../core/deid/index.ts';
import { isAppError } from '../core/index.ts';

/** Authored CT report: a typical RIS header block, then findings full of numbers that must survive. */
const CT_REPORT = `胸部CT平扫+增强报告
姓名：张三    性别：男    年龄：67岁
身份证号：11010519491231002X
电话：138-1234-5678
住院号：ZY2024001234    检查号：CT20240305017
检查日期：2024-03-05 14:30    报告日期：2024年3月6日
申请医生：李医生    申请科室：呼吸内科
家庭住址：北京市海淀区中关村大街27号3单元502室  联系电话：010-62345678
影像所见：
右肺上叶尖段见一实性结节，大小约 3.5 cm × 2.8 cm，平扫CT值 45 HU，增强后约 78 HU，边缘分叶，可见胸膜牵拉。
纵隔4R组淋巴结短径 6 mm。层厚 1.25 mm，120 kV。对比剂碘海醇 350 mgI/ml 80 ml。
影像诊断：右肺上叶周围型肺癌可能，cT2aN1M0，Lung-RADS 4B（参照《中国原发性肺癌诊疗规范（2025版）》第10.5节；ICD-10 C34.1）。
报告医师 王小明    审核医师：欧阳娜娜`;

const CT_IDENTIFIERS = [
  '张三',
  '11010519491231002X',
  '138-1234-5678',
  'ZY2024001234',
  'CT20240305017',
  '2024-03-05',
  '14:30',
  '2024年3月6日',
  '李医生',
  '中关村大街27号',
  '010-62345678',
  '王小明',
  '欧阳娜娜',
];

const CT_CLINICAL = [
  '性别：男',
  '年龄：67岁',
  '申请科室：呼吸内科',
  '3.5 cm × 2.8 cm',
  'CT值 45 HU',
  '78 HU',
  '4R组',
  '6 mm',
  '1.25 mm',
  '120 kV',
  '350 mgI/ml 80 ml',
  'cT2aN1M0',
  'Lung-RADS 4B',
  '2025版',
  '10.5节',
  'C34.1',
  '右肺上叶周围型肺癌可能',
];

/** Every example used below; each is also checked for idempotence and offset mapping. */
const ALL_EXAMPLES: string[] = [CT_REPORT];
function run(text: string, policy?: DeidPolicy): DeidResult {
  ALL_EXAMPLES.push(text);
  return deidentify(text, policy);
}

/** Rebuilds the output from the original and the findings: proves the offsets point at the replaced spans. */
function rebuild(original: string, result: DeidResult): string {
  let out = '';
  let cursor = 0;
  for (const f of result.findings) {
    out += original.slice(cursor, f.start) + f.replacement;
    cursor = f.end;
  }
  return out + original.slice(cursor);
}

describe('deidentify: a full Chinese CT report', () => {
  it('removes every identifier in the header and keeps every measurement and clinical term', () => {
    const { text, findings } = run(CT_REPORT);
    for (const id of CT_IDENTIFIERS) expect(text, id).not.toContain(id);
    for (const term of CT_CLINICAL) expect(text, term).toContain(term);
    expect(text).toContain('姓名：[姓名]');
    expect(text).toContain('身份证号：[身份证号]');
    expect(text).toContain('住院号：[病历号]    检查号：[检查号]');
    expect(text).toContain('检查日期：[日期]    报告日期：[日期]');
    expect(text).toContain('家庭住址：[地址]  联系电话：[电话]');
    expect(text).toContain('报告医师 [姓名]    审核医师：[姓名]');
    expect(findings.map((f) => f.kind)).toEqual([
      'name', 'id_card', 'phone', 'mrn', 'accession', 'date', 'date', 'name', 'address', 'phone', 'name', 'name',
    ]);
  });

  it('reports findings by offsets into the original and never the original value', () => {
    const result = run(CT_REPORT);
    expect(rebuild(CT_REPORT, result)).toBe(result.text);
    expect(CT_REPORT.slice(result.findings[0].start, result.findings[0].end)).toBe('张三');
    expect(CT_REPORT.slice(result.findings[1].start, result.findings[1].end)).toBe('11010519491231002X');
    const serialized = JSON.stringify(result.findings);
    for (const id of CT_IDENTIFIERS) expect(serialized).not.toContain(id);
    for (const f of result.findings) expect(Object.keys(f).sort()).toEqual(['end', 'kind', 'replacement', 'start']);
  });
});

describe('deidentify: resident ID numbers', () => {
  it('validates the GB 11643 check digit, region and birth date', () => {
    expect(isValidPrcIdNumber('11010519491231002X')).toBe(true);
    expect(isValidPrcIdNumber('11010519491231002x')).toBe(true);
    expect(isValidPrcIdNumber('110101199003071233')).toBe(true);
    expect(isValidPrcIdNumber('110101199003071234')).toBe(false); // wrong check digit
    expect(isValidPrcIdNumber('110101199002301236')).toBe(false); // 30 February
    expect(isValidPrcIdNumber('000101199003071238')).toBe(false); // check digit right, but no region 00
    expect(isValidPrcIdNumber('110101900307123')).toBe(true); // legacy 15-digit, born 1990-03-07
    expect(isValidPrcIdNumber('000101900307123')).toBe(false); // no region 00
  });

  it('replaces valid numbers anywhere, invalid ones only after an ID label', () => {
    const text = '既往资料：110101199003071233；对照编号 110101199003071234。旧证 110101900307123。\n身份证号码：110101199003071234\n证件号：110101********1234';
    const out = run(text).text;
    expect(out).toBe('既往资料：[身份证号]；对照编号 110101199003071234。旧证 [身份证号]。\n身份证号码：[身份证号]\n证件号：[身份证号]');
  });
});

describe('deidentify: phones', () => {
  it('replaces mobiles and landlines in their usual spellings', () => {
    const text = '家属手机13812345678，备用 +86 139-1234-5678 或 0086 13912345678；科室 (0571)88886666，总机 021-64041990 转 123。电话：87654321';
    const out = run(text).text;
    expect(out).toBe('家属手机[电话]，备用 [电话] 或 [电话]；科室 [电话]，总机 [电话]。电话：[电话]');
  });

  it('leaves numbers in measurement and counting context alone', () => {
    const text = '窗宽 16383，血小板 100,000/μL，体积 1381234 mm³，CT值 13.8123 HU，序列号 138123456789 共 12 位，层厚 1.25 mm，0.9% 氯化钠 100 ml。';
    const result = run(text);
    expect(result.text).toBe(text);
    expect(result.findings).toEqual([]);
  });
});

describe('deidentify: dates', () => {
  const DATES = '检查 2024-03-05 14:30，复查 2024/3/20，随访 2024.04.05，手术 2024年4月5日 9时30分，外院 3/5/2024，admitted Mar 5, 2024, seen 20 March 2024.';

  it('removes every date format, with its time, by default', () => {
    const out = run(DATES).text;
    expect(out).toBe('检查 [日期]，复查 [日期]，随访 [日期]，手术 [日期]，外院 [日期]，admitted [日期], seen [日期].');
  });

  it('removes ISO timestamps in log lines, zone included', () => {
    const line = '{"level":30,"time":"2024-03-05T14:30:00.123+08:00","msg":"job done","ms":16383}';
    expect(run(line).text).toBe('{"level":30,"time":"[日期]","msg":"job done","ms":16383}');
    expect(run(line, { subjectKey: 'p' }).text).toMatch(/"time":"\[日期:\d{4}-\d{2}-\d{2}T14:30:00\.123\+08:00\]"/);
  });

  it("'remove' wins over a subjectKey, 'keep' keeps", () => {
    expect(run(DATES, { dates: 'remove', subjectKey: 'patient-1' }).text).not.toMatch(/2024/);
    expect(run(DATES, { dates: 'keep' }).text).toBe(DATES);
  });

  it('shifts all dates of one subject by the same days, so intervals survive', () => {
    const text = '首次检查 2024-03-05，复查 2024年3月20日，第三次 2024/06/03 08:15。';
    const shift = dateShiftDaysFor('patient-A');
    const out = run(text, { subjectKey: 'patient-A' }).text;
    const found = [...out.matchAll(/\[日期:(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})/g)].map((m) => Date.UTC(+m[1], +m[2] - 1, +m[3]));
    expect(found).toHaveLength(3);
    const day = 86_400_000;
    expect((found[1] - found[0]) / day).toBe(15);
    expect((found[2] - found[0]) / day).toBe(90);
    expect((found[0] - Date.UTC(2024, 2, 5)) / day).toBe(shift);
    // the writer's style and the time of day are kept
    expect(out).toMatch(/复查 \[日期:\d{4}年\d{1,2}月\d{1,2}日\]/);
    expect(out).toMatch(/第三次 \[日期:\d{4}\/\d{2}\/\d{2} 08:15\]/);
  });

  it('derives a different, non-zero shift in [-365, 365] per subject, stable across calls', () => {
    const shifts = ['patient-A', 'patient-B', 'patient-C', 'p-0001', 'p-0002'].map(dateShiftDaysFor);
    expect(new Set(shifts).size).toBe(shifts.length);
    for (const s of shifts) expect(Math.abs(s)).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 500; i++) expect(Math.abs(dateShiftDaysFor(`k${i}`))).toBeLessThanOrEqual(365);
    expect(dateShiftDaysFor('patient-A')).toBe(shifts[0]);
    const a = run('检查 2024-03-05', { subjectKey: 'patient-A' }).text;
    const b = run('检查 2024-03-05', { subjectKey: 'patient-B' }).text;
    expect(a).not.toBe(b);
    expect(run('检查 2024-03-05', { dateShiftDays: -30 }).text).toBe('检查 [日期:2024-02-04]');
  });

  it('refuses a shift that cannot be tied to one patient', () => {
    for (const policy of [{ dates: 'shift' as const }, { subjectKey: '  ' }, { dateShiftDays: 1.5 }]) {
      try {
        deidentify('2024-03-05', policy);
        expect.unreachable();
      } catch (err) {
        expect(isAppError(err) && err.code).toBe('VALIDATION_FAILED');
      }
    }
  });

  it('removes partial birth dates but keeps years and year-months in prose', () => {
    expect(run('出生年月：1950年3月  DOB: 03/1950').text).toBe('出生年月：[日期]  DOB: [日期]');
    const prose = '依据2024年3月发布的共识与Fleischner 2017指南（2024）。';
    expect(run(prose).text).toBe(prose);
  });
});

describe('deidentify: names in labelled fields', () => {
  it('finds names after header and signature labels', () => {
    const text = [
      '患者：欧阳娜娜，女，54岁',
      '申请医生：李医生',
      '报告医师 王小明',
      '审核医师：司马光明',
      '姓名：张　三',
      '联系人：买买提·艾力',
      '姓名：李四性别：女',
      '技师：赵六 主治医师',
    ].join('\n');
    expect(run(text).text).toBe(
      ['患者：[姓名]，女，54岁', '申请医生：[姓名]', '报告医师 [姓名]', '审核医师：[姓名]', '姓名：[姓名]', '联系人：[姓名]', '姓名：[姓名]性别：女', '技师：[姓名] 主治医师'].join(
        '\n',
      ),
    );
  });

  it('reads a name written straight after 患者/病人/受检者 when punctuation, a space, a sex or an age closes it', () => {
    expect(run('患者张三，男，45岁。').text).toBe('患者[姓名]，男，45岁。');
    expect(run('病人刘德华（男）').text).toBe('病人[姓名]（男）');
    expect(run('受检者陈明 45岁').text).toBe('受检者[姓名] 45岁');
    expect(run('患者欧阳娜娜，女').text).toBe('患者[姓名]，女');
    // Prose after 患者 stays: clinical words, function words that are also surnames, no closing mark.
    for (const prose of ['患者出现发热，咳嗽。', '患者张口困难，', '患者肺部感染，', '患者高热，', '患者于外院，行CT', '患者易感，', '患者曾行手术。', '患者女，65岁', '患者男性，']) {
      expect(run(prose).text).toBe(prose);
    }
  });

  it('leaves prose after weak labels and unlabelled names alone (header-oriented policy)', () => {
    const text = '患者：男，65岁。患者：高热三天。联系人：家属。审核医师：（电子签名）由王技师完成扫描，张主任会诊。Exam Name: CT Chest';
    expect(run(text).text).toBe(text);
  });
});

describe('deidentify: English header', () => {
  const HEADER = `Patient Name: SMITH^JOHN    Sex: M    Age: 92
MRN: 00123456    DOB: 1931-03-05    Accession #: ACC778899
Referring Physician: Dr. Jane Doe    Phone: (021) 6404-1990
Exam Name: CT Chest w/o contrast
Findings: A 6 mm solid nodule in the RUL, Lung-RADS 3. No adenopathy > 10 mm.
Reported by: Li Wei, MD`;

  it('replaces name, MRN, DOB, accession, physician, phone and age over 89', () => {
    const { text } = run(HEADER, { tags: 'en' });
    for (const id of ['SMITH', 'JOHN', '00123456', '1931-03-05', 'ACC778899', 'Jane Doe', '6404-1990', 'Li Wei', '92']) expect(text, id).not.toContain(id);
    expect(text).toContain('Patient Name: [NAME]    Sex: M    Age: [AGE≥90]');
    expect(text).toContain('MRN: [MRN]    DOB: [DATE]    Accession #: [ACCESSION]');
    expect(text).toContain('Exam Name: CT Chest w/o contrast');
    expect(text).toContain('A 6 mm solid nodule in the RUL, Lung-RADS 3. No adenopathy > 10 mm.');
    expect(text).toContain('Reported by: [NAME], MD');
  });
});

describe('deidentify: other fields', () => {
  it('replaces record and exam numbers after their labels', () => {
    const text = '门诊号：MZ-2024-0001 病案号 0012345 ID号：P0012345 影像号CT240305017 Accession No.: A2024-0017 Patient ID: 998877 Exam No. 5566';
    expect(run(text).text).toBe('门诊号：[病历号] 病案号 [病历号] ID号：[病历号] 影像号[检查号] Accession No.: [检查号] Patient ID: [病历号] Exam No. [检查号]');
  });

  it('ends an address at the line end or the next field', () => {
    const text = '地址：广州市天河区天河路2号，联系电话：13812345678\n现住址：上海市徐汇区肇嘉浜路1111号\n床号：12';
    expect(run(text).text).toBe('地址：[地址]，联系电话：[电话]\n现住址：[地址]\n床号：12');
  });

  it('replaces ages above 89 only, and not age thresholds', () => {
    const text = '年龄：92岁；另一例89岁；95岁女性；a 96-year-old man aged 91; 年龄≥90岁、90岁以上、80-95岁及 patients over 90 years old 除外。';
    expect(run(text).text).toBe(
      '年龄：[年龄≥90]；另一例89岁；[年龄≥90]女性；a [年龄≥90] man aged [年龄≥90]; 年龄≥90岁、90岁以上、80-95岁及 patients over 90 years old 除外。',
    );
  });

  it('replaces e-mail addresses', () => {
    expect(run('反馈请发 zhang.san+ct@example.com.cn 。').text).toBe('反馈请发 [邮箱] 。');
  });

  it('leaves a guideline paragraph exactly as it is', () => {
    const guideline =
      '5.2 实性结节（10.5节）：≥8 mm 者 3 个月复查低剂量CT（120 kV，30 mAs，层厚 1.25 mm）；ICD-10 C34.1、I63.9；' +
      'cT1bN0M0 IA2期；参照 NCCN v2.2024、LI-RADS v2018 与《原发性肺癌诊疗指南（2024）》2025版；阿司匹林 100 mg qd，' +
      '碘克沙醇 320 mgI/ml 1.5 ml/kg；SUVmax 12.3；随访 3-6 个月；年龄≥90岁慎用；矩阵 512×512；最大值 16383。';
    const result = run(guideline);
    expect(result.text).toBe(guideline);
    expect(result.findings).toEqual([]);
  });
});

describe('deidentify: properties', () => {
  it('is idempotent under every policy on every example', () => {
    const policies: DeidPolicy[] = [{}, { subjectKey: 'patient-A' }, { dates: 'keep' }, { tags: 'en', subjectKey: 'x' }];
    for (const example of [...ALL_EXAMPLES]) {
      for (const policy of policies) {
        const once = deidentify(example, policy);
        const twice = deidentify(once.text, policy);
        expect(twice.text, example.slice(0, 40)).toBe(once.text);
        expect(twice.findings).toEqual([]);
        expect(rebuild(example, once)).toBe(once.text);
      }
    }
  });

  it('handles 1 MB of report text well within a second', () => {
    let big = '';
    while (big.length < 1_000_000) big += `${CT_REPORT}\n`;
    const t0 = performance.now();
    const { text, findings } = deidentify(big, { subjectKey: 'perf' });
    const ms = performance.now() - t0;
    console.log(`deidentify: ${big.length} chars (${(Buffer.byteLength(big) / 1e6).toFixed(2)} MB UTF-8) in ${ms.toFixed(0)} ms, ${findings.length} findings`);
    expect(ms).toBeLessThan(3000);
    expect(text).not.toContain('11010519491231002X');
    expect(findings.length).toBe(12 * Math.ceil(1_000_000 / (CT_REPORT.length + 1)));
  });
});
