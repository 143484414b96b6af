import { PGlite } from '@electric-sql/pglite';
const db = new PGlite();
await db.exec(`CREATE TABLE c (id int primary key, tsv tsvector, n int); ALTER TABLE c SET (toast_tuple_target = 8160); ALTER TABLE c ALTER COLUMN tsv SET STORAGE MAIN;`);
const chars = '肺结节磨玻璃影像表现临床症状治疗药物手术诊断检查患者儿童急性慢性感染发热咳嗽疼痛出血肿瘤转移分期分型预后预防病因并发症血管神经心脏肝肾胃肠脑骨皮肤眼耳鼻喉';
const rnd = (n: number) => Math.floor(Math.random() * n);
const N = 20000;
for (let b = 0; b < N; b += 1000) {
  const rows = [];
  for (let i = b; i < b + 1000; i++) {
    const lex = new Map<string, number[]>();
    for (let p = 1; p <= 450; p++) { const w = chars[rnd(chars.length)] + chars[rnd(chars.length)]; (lex.get(w) ?? lex.set(w, []).get(w)!).push(p); }
    rows.push([i, [...lex].map(([l, ps]) => `'${l}':${ps.slice(0, 20).join(',')}`).join(' ')]);
  }
  await db.query(`INSERT INTO c SELECT * , 450 FROM unnest($1::int[], $2::tsvector[])`, [rows.map(r => r[0]), rows.map(r => r[1])]);
}
await db.exec('CREATE INDEX ON c USING gin (tsv); ANALYZE c;');
const terms = ['肺结', '结节', '临床', '症状', '治疗', '急性', '发热', '咳嗽', '血管', '神经', '肿瘤', '转移', '预后', '分期', '病因'];
for (const [label, sql] of [
  ['ts_rank main', `SELECT c.id, sum(ts_rank(c.tsv, t::tsquery, 0)) s FROM (SELECT id FROM c WHERE id < $2) ids JOIN c USING (id) CROSS JOIN unnest($1::text[]) t GROUP BY c.id ORDER BY s DESC LIMIT 30`],
  ['materialized', `WITH v AS MATERIALIZED (SELECT id, tsv || ''::tsvector AS v FROM c WHERE id < $2) SELECT v.id, sum(ts_rank(v.v, t::tsquery, 0)) s FROM v CROSS JOIN unnest($1::text[]) t GROUP BY v.id ORDER BY s DESC LIMIT 30`],
  ['mat @@', `WITH v AS MATERIALIZED (SELECT id, tsv || ''::tsvector AS v FROM c WHERE id < $2) SELECT v.id, sum((v.v @@ t::tsquery)::int) s FROM v CROSS JOIN unnest($1::text[]) t GROUP BY v.id ORDER BY s DESC LIMIT 30`],
] as const) {
  for (const cand of [1000, 3000]) {
    const t0 = performance.now();
    await db.query(sql, [terms.map(t => `'${t}'`), cand]);
    const t1 = performance.now();
    await db.query(sql, [terms.map(t => `'${t}'`), cand]);
    console.log(label, cand, (t1 - t0).toFixed(1), (performance.now() - t1).toFixed(1));
  }
}
const r = await db.query(`select pg_size_pretty(pg_total_relation_size('c')) a, pg_size_pretty(pg_relation_size('c')) b`); console.log(r.rows);
